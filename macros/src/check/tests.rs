//! The checks on small bodies: what each finds, and the near misses it leaves alone.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::quote;

use super::{Check, run};

fn block(body: TokenStream) -> Group {
    Group::new(Delimiter::Brace, body)
}

/// The names of the checks that find something in `body` (an `async fn`'s), in order.
fn found(body: TokenStream) -> Vec<&'static str> {
    found_in(body, true)
}

fn found_in(body: TokenStream, runs_async: bool) -> Vec<&'static str> {
    let outcome = run(&block(body), runs_async, &[]);
    assert!(
        outcome.errors.is_none(),
        "{:?}",
        outcome.errors.map(|e| e.to_string())
    );
    outcome.findings.iter().map(|f| f.check.name()).collect()
}

const NONE: [&str; 0] = [];

#[test]
fn blocking_calls_are_found_however_they_are_written() {
    for body in [
        quote!(std::thread::sleep(d);),
        quote!(thread::sleep(d);),
        quote!(use std::thread::sleep as nap; nap(d);),
        quote!(use std::thread; thread::sleep(d);),
        quote!(sleep(Duration::from_millis(5));),
        quote!(let text = std::fs::read_to_string(path)?;),
        quote!(let text = fs::read_to_string(path)?;),
        quote!(let file = File::open(path)?;),
        quote!(let s = std::net::TcpStream::connect(addr)?;),
        quote!(let s = TcpStream::connect(addr)?;),
        quote!(let addrs = host.to_socket_addrs()?;),
        quote!(std::io::stdin().read_line(&mut line)?;),
        quote!(let v = Handle::current().block_on(fetch());),
        quote!(let v = futures::executor::block_on(fetch());),
        quote!(let body = reqwest::blocking::get(url)?.text()?;),
        quote!(let out = Command::new("git").arg("log").output()?;),
        quote!(let mut cmd = std::process::Command::new("ls"); cmd.arg("-l"); let status = cmd.status()?;),
        quote!(let job = rx.recv().unwrap();),
        quote!(worker.join().unwrap();),
        quote!(let n = items.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum::<u64>();),
        quote!(println!("{}", std::fs::read_to_string(p).unwrap());),
    ] {
        assert_eq!(found(body.clone()), ["blocking"], "{body}");
    }
}

#[test]
fn async_replacements_and_sync_places_are_not_blocking() {
    for body in [
        quote!(tokio::time::sleep(d).await;),
        quote!(sleep(d).await;),
        quote!(time::sleep(d).await;),
        quote!(let text = tokio::fs::read_to_string(path).await?;),
        quote!(let text = fs::read_to_string(path).await?;),
        quote!(let file = File::open(path).await?;),
        quote!(let s = TcpStream::connect(addr).await?;),
        quote!(let out = Command::new("git").output().await?;),
        quote!(let out = tokio::process::Command::new("git").output().await?;),
        quote!(let job = rx.recv().await;),
        quote!(let v = tokio::task::spawn_blocking(move || std::fs::read(path)).await??;),
        quote!(let h = std::thread::spawn(move || { std::thread::sleep(d); });),
        quote!(tokio::task::block_in_place(|| std::thread::sleep(d));),
        quote!(
            fn helper() {
                std::thread::sleep(d);
            }
        ),
        quote!(let status = response.status();),
        quote!(let words = parts.join(" ");),
        quote!(let path = base.join("x");),
        quote!(let mut line = String::new(); reader.read_line(&mut line).await?;),
    ] {
        assert_eq!(found(body.clone()), NONE, "{body}");
    }
}

#[test]
fn a_plain_fn_is_sync_code_but_its_async_blocks_are_not() {
    assert_eq!(found_in(quote!(std::thread::sleep(d);), false), NONE);
    assert_eq!(
        found_in(quote!(let f = async { std::thread::sleep(d); };), false),
        ["blocking"]
    );
    assert_eq!(
        found_in(
            quote!(let (tx, rx) = tokio::sync::mpsc::unbounded_channel();),
            false
        ),
        ["unbounded_channel"]
    );
}

#[test]
fn guards_alive_across_an_await_are_found() {
    for body in [
        quote! { let g = m.lock().unwrap(); tick().await; },
        quote! { let mut g = m.lock().expect("poisoned"); g.push(1); tick().await; drop(g); },
        quote! { let g = state.read().unwrap(); if ready { tick().await; } },
        quote! { let b = cell.borrow_mut(); tick().await; },
        quote! { let g = m.lock().unwrap(); let g = 5; drop(g); tick().await; },
        quote! { tx.send(m.lock().unwrap().clone()).await?; },
        quote! { let v = match cache.lock().unwrap().get(&k) { Some(v) => v.clone(), None => fetch(k).await }; },
        quote! { while let Some(job) = queue.lock().unwrap().pop_front() { job.run().await; } },
        quote! { let g = m.lock().unwrap(); tokio::select! { _ = a => {}, _ = b => {} } },
        quote! { let g = m.lock().unwrap(); let h = g; tick().await; },
    ] {
        assert_eq!(found(body.clone()), ["lock_across_await"], "{body}");
    }
}

#[test]
fn guards_ended_before_the_await_are_not() {
    for body in [
        quote! { let g = m.lock().unwrap(); drop(g); tick().await; },
        quote! { let g = m.lock().unwrap(); std::mem::drop(g); tick().await; },
        quote! { { let mut g = m.lock().unwrap(); g.push(1); } tick().await; },
        quote! { *m.lock().unwrap() += 1; tick().await; },
        quote! { let v = m.lock().unwrap().clone(); send(v).await; },
        quote! { let n = { let g = m.lock().unwrap(); g.len() }; tick().await; },
        quote! { let g = m.lock().await; tick().await; },
        quote! { let g = m.write().await; tick().await; },
        quote! { if m.lock().unwrap().is_empty() { tick().await; } },
        quote! { let _ = m.lock().unwrap(); tick().await; },
        quote! { let g = m.lock().unwrap(); consume(g); tick().await; },
        quote! { let g = m.lock().unwrap(); tokio::spawn(async move { tick().await; }); },
        quote! { let g = m.lock().unwrap(); let f = async { tick().await }; },
        quote! { let g = m.lock().unwrap(); },
    ] {
        assert_eq!(found(body.clone()), NONE, "{body}");
    }
}

#[test]
fn unbounded_channels_are_found_and_bounded_ones_are_not() {
    for body in [
        quote!(let (tx, rx) = tokio::sync::mpsc::unbounded_channel();),
        quote!(let (tx, rx) = mpsc::unbounded_channel::<Job>();),
        quote!(let (tx, rx) = std::sync::mpsc::channel();),
        quote!(let (tx, rx) = mpsc::channel::<u8>();),
        quote!(use std::sync::mpsc::channel; let (tx, rx) = channel();),
        quote!(let (tx, rx) = flume::unbounded();),
        quote!(let (tx, rx) = crossbeam::channel::unbounded();),
        quote!(let (tx, rx) = futures::channel::mpsc::unbounded();),
    ] {
        assert_eq!(found(body.clone()), ["unbounded_channel"], "{body}");
    }
    for body in [
        quote!(let (tx, rx) = tokio::sync::mpsc::channel(64);),
        quote!(let (tx, rx) = mpsc::channel(64);),
        quote!(let (tx, rx) = oneshot::channel();),
        quote!(let (tx, rx) = std::sync::mpsc::sync_channel(8);),
        quote!(let (tx, rx) = flume::bounded(8);),
        quote!(let (tx, rx) = broadcast::channel(16);),
    ] {
        assert_eq!(found(body.clone()), NONE, "{body}");
    }
}

#[test]
fn spawning_in_an_open_ended_loop_needs_a_bound() {
    for body in [
        quote! { for url in urls { tokio::spawn(fetch(url)); } },
        quote! { while let Some(job) = rx.recv().await { tokio::spawn(run(job)); } },
        quote! { loop { let msg = next().await; task::spawn(async move { handle(msg).await }); } },
        quote! { urls.into_iter().for_each(|u| { tokio::spawn(fetch(u)); }); },
        quote! { let hs: Vec<_> = urls.iter().map(|u| tokio::spawn(fetch(u.clone()))).collect(); },
    ] {
        assert_eq!(found(body.clone()), ["unbounded_spawn"], "{body}");
    }
    for body in [
        quote! { for i in 0..workers { tokio::spawn(worker(i)); } },
        quote! { for url in urls { let p = sem.clone().acquire_owned().await?; tokio::spawn(async move { let _p = p; fetch(url).await }); } },
        quote! { for url in urls { set.spawn(fetch(url)); if set.len() >= 8 { set.join_next().await; } } },
        quote! { for url in urls { tokio::spawn(fetch(url)); while set.join_next().await.is_some() {} } },
        quote! { loop { let (socket, _) = listener.accept().await?; tokio::spawn(handle(socket)); } },
        quote! { for url in urls { tokio::spawn(fetch(url)).await?; } },
        quote! { tokio::spawn(fetch(url)); },
        quote! { for url in urls { set.spawn(fetch(url)); } },
        quote! { for path in paths { std::thread::spawn(move || work(path)); } },
    ] {
        assert_eq!(found(body.clone()), NONE, "{body}");
    }
}

#[test]
fn statement_allows_silence_that_statement_only() {
    let body = quote! {
        #[check(allow(blocking))]
        std::thread::sleep(d);
        std::fs::read(p)?;
    };
    let outcome = run(&block(body), true, &[]);
    assert_eq!(outcome.findings.len(), 1);
    let outcome = run(
        &block(quote!(std::thread::sleep(d); let (a, b) = flume::unbounded();)),
        true,
        &[Check::Blocking],
    );
    assert_eq!(
        outcome
            .findings
            .iter()
            .map(|f| f.check.name())
            .collect::<Vec<_>>(),
        ["unbounded_channel"]
    );
    let bad = run(
        &block(quote!(#[check(allow(sleeping))] std::thread::sleep(d);)),
        true,
        &[],
    );
    let err = bad.errors.unwrap().to_string();
    assert!(
        err.contains("`sleeping` is not one of taskward's checks"),
        "{err}"
    );
}

#[test]
fn every_check_is_skipped_when_all_are_allowed() {
    let outcome = run(
        &block(quote!(std::thread::sleep(d);)),
        true,
        &[
            Check::Blocking,
            Check::LockAcrossAwait,
            Check::UnboundedChannel,
            Check::UnboundedSpawn,
        ],
    );
    assert!(outcome.findings.is_empty());
}
