// A taskward attribute under another name is not part of the stack: it would wrap the expansion
// of the one above, in the wrong order. The error is on it and says to use the attributes' names.
use taskward::bounded as limit;

#[taskward::with_timeout("300ms")]
#[limit(1)]
async fn work() {}

fn main() {}
