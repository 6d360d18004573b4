//! The connection's thread: the releases of the permits given back, and the renewals of the
//! leases held.

use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use redis::aio::ConnectionManager;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Chore, Held, scripts};

/// The connection's thread: releases (batched in one pipeline) and the renewals of the leases
/// held, every 100ms for those past half their lease since the last renewal.
pub(super) async fn background(
    mut conn: ConnectionManager,
    mut chores: mpsc::UnboundedReceiver<Chore>,
    held: Arc<Mutex<HashMap<u64, Held>>>,
    deadline: Duration,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Releases whose ZREM failed: tried again at the next tick (a lease expires anyway).
    let mut retry: Vec<(Arc<str>, String)> = Vec::new();
    loop {
        tokio::select! {
            chore = chores.recv() => {
                let mut batch = Vec::new();
                let mut flushed = Vec::new();
                let mut next = chore;
                loop {
                    match next {
                        None if batch.is_empty() && flushed.is_empty() => return,
                        None => break,
                        Some(Chore::Release { key, member }) => batch.push((key, member)),
                        Some(Chore::Flush(done)) => flushed.push(done),
                    }
                    if batch.len() >= 512 {
                        break;
                    }
                    next = match chores.try_recv() {
                        Ok(chore) => Some(chore),
                        Err(_) => break,
                    };
                }
                if !batch.is_empty() && !release_all(&mut conn, &batch, deadline).await {
                    retry.extend(batch);
                }
                for done in flushed {
                    let _ = done.send(());
                }
            }
            _ = tick.tick() => {
                if !retry.is_empty() {
                    let batch = core::mem::take(&mut retry);
                    if !release_all(&mut conn, &batch, deadline).await && batch.len() < 100_000 {
                        retry = batch;
                    }
                }
                renew_due(&mut conn, &held, deadline).await;
            }
        }
    }
}

async fn release_all(
    conn: &mut ConnectionManager,
    batch: &[(Arc<str>, String)],
    deadline: Duration,
) -> bool {
    let mut pipe = redis::pipe();
    for (key, member) in batch {
        pipe.cmd("ZREM").arg(&**key).arg(member).ignore();
    }
    let step = pipe.query_async::<()>(conn);
    match tokio::time::timeout(deadline, step).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            step_failed("release", &e.to_string());
            false
        }
        Err(_) => {
            step_failed("release", "no answer within the deadline");
            false
        }
    }
}

async fn renew_due(
    conn: &mut ConnectionManager,
    held: &Mutex<HashMap<u64, Held>>,
    deadline: Duration,
) {
    let due: Vec<(u64, Arc<str>, String, Duration)> = {
        let held = held.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        held.iter()
            .filter(|(_, h)| now.duration_since(h.renewed) >= h.lease / 2)
            .map(|(id, h)| (*id, Arc::clone(&h.key), h.member.clone(), h.lease))
            .collect()
    };
    if due.is_empty() {
        return;
    }
    let mut pipe = redis::pipe();
    for (_, key, member, lease) in &due {
        let ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX);
        pipe.cmd("EVAL")
            .arg(scripts::RENEW)
            .arg(1)
            .arg(&**key)
            .arg(ms)
            .arg(member)
            .ignore();
    }
    let step = pipe.query_async::<()>(conn);
    match tokio::time::timeout(deadline, step).await {
        Ok(Ok(())) => {
            let now = Instant::now();
            let mut held = held.lock().unwrap_or_else(|e| e.into_inner());
            for (id, ..) in &due {
                if let Some(h) = held.get_mut(id) {
                    h.renewed = now;
                }
            }
        }
        Ok(Err(e)) => step_failed("renew", &e.to_string()),
        Err(_) => step_failed("renew", "no answer within the deadline"),
    }
}

#[cold]
fn step_failed(step: &'static str, reason: &str) {
    tracing::warn!(target: "taskward", step, reason, "fleet: a Redis step failed");
}
