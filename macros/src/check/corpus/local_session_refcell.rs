// expect: lock_across_await
// A single-threaded (LocalSet) session whose RefCell borrow is kept across the save.
pub async fn touch(session: Rc<RefCell<Session>>, store: &Store) -> Result<(), StoreError> {
    let mut s = session.borrow_mut();
    s.last_seen = Instant::now();
    store.save(&s.id, &s.data).await?;
    Ok(())
}
