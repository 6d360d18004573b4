// expect: none
// missed: blocking
// A std File opened inside the operand of an `.await` (the module imports `std::fs::File`): the
// call is taken for tokio's, which would be awaited there.
use std::fs::File;

async fn import_dump(path: &Path, db: &PgPool) -> anyhow::Result<u64> {
    let rows = load_rows(std::io::BufReader::new(File::open(path)?), db).await?;
    Ok(rows)
}
