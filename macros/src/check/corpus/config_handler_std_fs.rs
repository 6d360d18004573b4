// expect: blocking
// An axum handler that re-reads its config file on every request with std's blocking read.
use std::fs;

use axum::{extract::State, Json};

async fn current_limits(State(app): State<AppState>) -> Result<Json<Limits>, AppError> {
    let text = fs::read_to_string(&app.config_path)?;
    let limits: Limits = toml::from_str(&text)?;
    app.metrics.config_reads.inc();
    Ok(Json(limits))
}
