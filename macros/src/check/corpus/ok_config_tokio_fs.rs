// expect: none
// Reading the config through tokio's fs (module imports `tokio::fs`).
use tokio::fs;

async fn load_config(path: &Path) -> anyhow::Result<Config> {
    let text = fs::read_to_string(path).await?;
    let mut config: Config = toml::from_str(&text)?;
    if let Ok(meta) = fs::metadata(path.with_extension("local.toml")).await {
        if meta.is_file() {
            let local = fs::read_to_string(path.with_extension("local.toml")).await?;
            config.merge(toml::from_str(&local)?);
        }
    }
    Ok(config)
}
