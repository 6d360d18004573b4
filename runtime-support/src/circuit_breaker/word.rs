//! The encoding of the circuit breaker's state word (laid out in the docs of `state.rs`, "The
//! state word"): phase, epoch and payload in one `u64`; the tickets of the calls, which the end of
//! a call compares with it; and the time as the word holds it, in milliseconds. Part of the core
//! that `tests/loom_breaker.rs` compiles with loom's atomics, with `state.rs`.

const NANOS_PER_MS: u64 = 1_000_000;

const PHASE_MASK: u64 = 0b11;
pub(super) const CLOSED: u64 = 0;
pub(super) const OPEN: u64 = 1;
pub(super) const HALF_OPEN: u64 = 2;

const EPOCH_SHIFT: u32 = 2;
const EPOCH_MASK: u64 = (1 << 16) - 1;
const PAYLOAD_SHIFT: u32 = 18;

/// The largest payload: an until of about 2,230 years, or a count.
pub(crate) const PAYLOAD_MAX: u64 = (1 << (64 - PAYLOAD_SHIFT)) - 1;

/// A half-open payload: the probes admitted in its low half, those that succeeded in its high.
const HALF_SHIFT: u32 = 23;
const HALF_MASK: u64 = (1 << HALF_SHIFT) - 1;

/// The state word, unpacked on demand.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Word(pub(super) u64);

impl Word {
    pub(super) const fn new(phase: u64, epoch: u64, payload: u64) -> Word {
        Word(payload << PAYLOAD_SHIFT | (epoch & EPOCH_MASK) << EPOCH_SHIFT | phase)
    }

    pub(super) fn phase(self) -> u64 {
        self.0 & PHASE_MASK
    }

    fn epoch(self) -> u16 {
        // At most 16 bits by the mask.
        #[allow(clippy::cast_possible_truncation)]
        let epoch = (self.0 >> EPOCH_SHIFT & EPOCH_MASK) as u16;
        epoch
    }

    pub(super) fn payload(self) -> u64 {
        self.0 >> PAYLOAD_SHIFT
    }

    /// In `phase`, in the epoch of `ticket`.
    pub(super) fn is(self, phase: u64, ticket: Ticket) -> bool {
        self.phase() == phase && self.epoch() == ticket.epoch()
    }

    /// The same phase and epoch with another payload.
    pub(super) fn with_payload(self, payload: u64) -> Word {
        Word::new(self.phase(), u64::from(self.epoch()), payload)
    }

    /// A transition: `phase` with `payload`, in the next epoch.
    pub(super) fn next(self, phase: u64, payload: u64) -> Word {
        Word::new(phase, u64::from(self.epoch()) + 1, payload)
    }

    /// A half-open payload, split: (admitted, succeeded).
    pub(super) fn probes(self) -> (u32, u32) {
        let payload = self.payload();
        // Each half is 23 bits by the mask.
        #[allow(clippy::cast_possible_truncation)]
        let probes = (
            (payload & HALF_MASK) as u32,
            (payload >> HALF_SHIFT & HALF_MASK) as u32,
        );
        probes
    }
}

/// A half-open payload.
pub(super) fn probes(admitted: u32, succeeded: u32) -> u64 {
    u64::from(succeeded) << HALF_SHIFT | u64::from(admitted)
}

/// The epoch a call was admitted in, and whether it is a probe: what its outcome applies to.
///
/// One `u64`, shaped so that the common end of a call is one comparison with the state word: the
/// ticket of a closed call, when the breaker has no window to record, is the state word that
/// says "closed, in this epoch, no failure counted" (and a success then changes nothing). Every
/// other ticket has the phase bits `0b11`, which no state word has, so it never compares equal;
/// its bit 63 says whether it is a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket(pub(super) u64);

/// The phase bits of a ticket that is not a state word.
const MARKED: u64 = 0b11;
/// The bit of a probe's ticket.
const PROBE: u64 = 1 << 63;

impl Ticket {
    /// A call of a closed period in the epoch of `word`; `quiet`: its success needs no recording
    /// when `word` has no failure counted.
    pub(super) fn call(word: Word, quiet: bool) -> Ticket {
        let epoch = u64::from(word.epoch()) << EPOCH_SHIFT;
        Ticket(if quiet {
            epoch | CLOSED
        } else {
            epoch | MARKED
        })
    }

    /// A probe of the half-open period in the epoch of `word`.
    pub(super) fn probe(word: Word) -> Ticket {
        Ticket(u64::from(word.epoch()) << EPOCH_SHIFT | MARKED | PROBE)
    }

    fn epoch(self) -> u16 {
        Word(self.0).epoch()
    }

    /// Whether the call is a probe of a half-open breaker.
    pub(crate) fn is_probe(self) -> bool {
        self.0 & PROBE != 0
    }
}

/// The time, read at most once, and only where a decision needs it.
pub(super) struct Now<F> {
    read: Option<F>,
    nanos: u64,
}

impl<F: FnOnce() -> u64> Now<F> {
    pub(super) fn new(read: F) -> Self {
        Now {
            read: Some(read),
            nanos: 0,
        }
    }

    fn nanos(&mut self) -> u64 {
        if let Some(read) = self.read.take() {
            self.nanos = read();
        }
        self.nanos
    }

    /// Whether `until` has come.
    pub(super) fn reached(&mut self, until: u64) -> bool {
        self.nanos() / NANOS_PER_MS >= until
    }

    /// When an opening that starts now ends: rounded up to the millisecond, never before `reset`
    /// from now.
    pub(super) fn until(&mut self, reset_ms: u64) -> u64 {
        self.nanos()
            .div_ceil(NANOS_PER_MS)
            .saturating_add(reset_ms)
            .min(PAYLOAD_MAX)
    }
}
