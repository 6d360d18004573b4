//! A bulkhead for the whole fleet (feature `redis`): its constructor and builders. Its permits
//! are taken in `crate::fleet::bulkhead`.

use core::time::Duration;

use tokio::sync::Semaphore;

use super::Bulkhead;

impl Bulkhead {
    /// A bulkhead of `limit` permits for the whole fleet, kept in Redis under `name` (the key is
    /// `{prefix}:bulkhead:{name}`): every process that names it shares the permits. Each permit is
    /// a lease of 10s (see [`with_lease`](Self::with_lease)), kept alive while the call runs and
    /// given back when it ends; a process that dies gives its permits back when their leases
    /// expire. Used through `in = NAME` as any bulkhead; see the crate's fleet page.
    ///
    /// ```
    /// use taskward::{Bulkhead, bounded};
    ///
    /// static REPORTS_DB: Bulkhead = Bulkhead::fleet("reports-db", 40);
    ///
    /// #[bounded(in = REPORTS_DB, wait = "2s")]
    /// async fn monthly_report(month: u32) -> u32 {
    ///     month
    /// }
    /// assert_eq!(REPORTS_DB.limit(), 40);
    /// ```
    ///
    /// # Panics
    ///
    /// If `limit` is zero (a compile error in a `static`).
    #[must_use]
    pub const fn fleet(name: &'static str, limit: usize) -> Self {
        Self::build_fleet(
            name,
            limit,
            Duration::from_secs(10),
            crate::fleet::Unavailable::Fail,
        )
    }

    pub(super) const fn build_fleet(
        name: &'static str,
        limit: usize,
        lease: Duration,
        unavailable: crate::fleet::Unavailable,
    ) -> Self {
        assert!(limit > 0, "a Bulkhead needs a limit of at least 1");
        assert!(
            lease.as_millis() >= 300,
            "the lease of a fleet Bulkhead must be at least 300ms: it is renewed every half lease"
        );
        let local = match unavailable {
            crate::fleet::Unavailable::Local(n) => {
                assert!(n > 0, "a local share of a fleet limit must be at least 1");
                n as usize
            }
            _ => 0,
        };
        Bulkhead {
            semaphore: Semaphore::const_new(local),
            limit,
            fleet: Some(crate::fleet::bulkhead::BulkheadSpec::new(
                name,
                lease,
                unavailable,
            )),
        }
    }

    /// The same fleet bulkhead with leases of `lease`: how long the permits of a process that
    /// died stay taken (default 10s). Renewed every half lease while a call runs.
    ///
    /// # Panics
    ///
    /// On a bulkhead that is not a fleet one, or a lease under 300ms.
    #[must_use]
    pub const fn with_lease(self, lease: Duration) -> Self {
        let (name, unavailable) = match &self.fleet {
            Some(spec) => (spec.name, spec.unavailable),
            None => panic!("with_lease is for a fleet Bulkhead (Bulkhead::fleet)"),
        };
        let limit = self.limit;
        core::mem::forget(self);
        Self::build_fleet(name, limit, lease, unavailable)
    }

    /// The same fleet bulkhead, doing `unavailable` when Redis does not answer (default
    /// [`Unavailable::Fail`](crate::fleet::Unavailable::Fail)).
    ///
    /// # Panics
    ///
    /// On a bulkhead that is not a fleet one, or a local share of zero.
    #[must_use]
    pub const fn on_unavailable(self, unavailable: crate::fleet::Unavailable) -> Self {
        let (name, lease) = match &self.fleet {
            Some(spec) => (spec.name, spec.lease),
            None => panic!("on_unavailable is for a fleet Bulkhead (Bulkhead::fleet)"),
        };
        let limit = self.limit;
        core::mem::forget(self);
        Self::build_fleet(name, limit, lease, unavailable)
    }

    /// The name of a fleet bulkhead (`None` for a local one).
    #[must_use]
    pub const fn fleet_name(&self) -> Option<&'static str> {
        match &self.fleet {
            Some(spec) => Some(spec.name),
            None => None,
        }
    }

    /// The figures of a fleet bulkhead in this process (`None` for a local one).
    #[must_use]
    pub fn fleet_figures(&self) -> Option<crate::fleet::FleetFigures> {
        self.fleet.as_ref().map(|spec| spec.cells.figures())
    }
}
