// expect: none
// missed: blocking
// The blocking read is in a sync helper: the check sees only the async function's own body.
fn load_template(name: &str) -> std::io::Result<String> {
    std::fs::read_to_string(format!("templates/{name}.html"))
}

async fn render_page(name: &str, ctx: &Context) -> Result<Html<String>, AppError> {
    let template = load_template(name)?;
    Ok(Html(ctx.render(&template)?))
}
