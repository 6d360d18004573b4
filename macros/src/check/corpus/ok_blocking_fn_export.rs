// expect: none
// A sync function (meant for #[blocking] or spawn_blocking) may block: it is not async code.
pub fn export_csv(rows: Vec<Row>, path: &Path) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::new(file);
    for row in rows {
        writeln!(out, "{},{},{}", row.id, row.name, row.total)?;
    }
    std::thread::sleep(Duration::from_millis(1));
    out.flush()
}
