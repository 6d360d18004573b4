// expect: blocking
// An async admin console reading commands from the terminal with std's stdin.
use std::io;

pub async fn console(client: AdminClient) -> io::Result<()> {
    let stdin = io::stdin();
    loop {
        let mut line = String::new();
        if stdin.read_line(&mut line)? == 0 {
            return Ok(());
        }
        match client.run(line.trim()).await {
            Ok(reply) => println!("{reply}"),
            Err(err) => eprintln!("error: {err}"),
        }
    }
}
