// expect: none
// A LocalSet task whose RefCell borrows end in their statements.
pub async fn tick(view: Rc<RefCell<View>>, feed: &Feed) {
    let since = view.borrow().last_id;
    let items = feed.since(since).await;
    view.borrow_mut().extend(items);
    let n = view.borrow().len();
    feed.ack(n).await;
}
