/**
 * Every limit the service enforces, in one place. The request schemas (and so the OpenAPI
 * document's maxItems, maxLength, maximum), the checks before work starts, the connection
 * settings and the README's limits table all come from these constants; test/limits.test.ts
 * checks the README's table against them.
 *
 * Plain numbers, no imports: the pure core (schedulers, expressions) reads them too.
 * A refusal names the limit it enforces as written here (see atMost).
 *
 * Each is chosen so that realistic training configs fit with room to spare, and so that the
 * work one request can cause stays within a few milliseconds on the event loop (sessions and
 * steps) or a few seconds on a preview worker.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

// ── Request bodies ───────────────────────────────────────────────────────────────────────

/**
 * Preview bodies: 100 000 reports with a metric and a few named metrics each are 5–10 MiB.
 * They are parsed and validated on a preview worker, never on the event loop.
 */
export const MAX_PREVIEW_BODY_BYTES = 16 * MiB;

/**
 * Create bodies: 1000 param groups with every key (~200 KiB), a scheduler config (at most
 * MAX_SCHEDULER_CONFIG_BYTES), metadata (64 KiB) and a state_dict (at most about twice
 * MAX_STEP_STATE_BYTES) stay under 2 MiB, whose JSON parses and validates on the event loop
 * in about 20 ms.
 */
export const MAX_SESSION_BODY_BYTES = 2 * MiB;

/** Every other body (a step report, a rewind): 64 named metrics with long names are ~15 KiB. */
export const MAX_SMALL_BODY_BYTES = 64 * KiB;

/**
 * Arrays and objects nested deeper than this are refused before validation: a composite of
 * composites is a handful of levels, and validating, storing or serializing a body nested
 * thousands deep would overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

// ── Connections (Node's http server; set in plugins/connections.ts) ─────────────────────

/** Request line and headers together (Node's default, stated): beyond it a 431 problem. */
export const MAX_HEADER_BYTES = 16 * KiB;

/** From connecting to the end of the headers: no real client needs more than a moment. */
export const HEADERS_TIMEOUT_MS = 5_000;

/**
 * From connecting to the last byte of the body (Node's requestTimeout): a 16 MiB preview
 * body needs 1.7 MB/s, a slow link for a training cluster. A body trickled in byte by byte
 * is cut after this, answered by a 408 problem.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * An idle keep-alive connection is closed after this: longer than the 60 s idle timeout of
 * common load balancers, so that the balancer, not the service, closes idle connections
 * (closing first would race the balancer's next request on that connection).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * A connection on which nothing moves for this long (a client that stopped reading its
 * answer) is closed. Longer than what is quiet on purpose: a preview's running time
 * (PREVIEW_DEADLINE_MS), a wait for a step (MAX_WAIT_SECONDS), an event stream between
 * its heartbeats (15 s).
 */
export const SOCKET_IDLE_TIMEOUT_MS = 90_000;

/**
 * Open connections at once; beyond it new ones are closed at once. Event streams and waits
 * may hold MAX_LIVE_CONNECTIONS of them, and as many again are left for requests: a
 * training job keeps one or two keep-alive connections. Node raises its file descriptor
 * limit to the hard limit, which containers set far above this.
 */
export const MAX_CONNECTIONS = 2000;

/** Event streams and waits for a step held open at once in all: each holds a socket and a subscription. */
export const MAX_LIVE_CONNECTIONS = 1000;

/** Event streams and waits for a step held open at once by one client (its IP address). */
export const MAX_LIVE_CONNECTIONS_PER_CLIENT = 64;

/** The longest a wait for a step holds its request; longer waits are cut to it. */
export const MAX_WAIT_SECONDS = 60;

// ── Configs ──────────────────────────────────────────────────────────────────────────────

/**
 * Param groups of an optimizer: models use 1 to a few dozen (layer-wise lr decay over a
 * 48-layer transformer makes ~100).
 */
export const MAX_PARAM_GROUPS = 1000;

/** `name` and `key`: a run id or a display name. */
export const MAX_NAME_LENGTH = 200;

/** Metadata is kept with the session and sent with every read and listing of it. */
export const MAX_METADATA_BYTES = 64 * KiB;

/**
 * Milestones of a MultiStepLR or SequentialLR: schedules use a handful; 10 000 is a decay
 * at every epoch of a very long run. Every step scans them, so they count in its work.
 */
export const MAX_MILESTONES = 10_000;

/**
 * Schedulers in one config, at every level together (so also per composite): warmup, main
 * schedule and cooldown make 3; chains of 2 or 3 are common.
 */
export const MAX_NESTED_SCHEDULERS = 32;

/** Levels of composites: a SequentialLR holding a ChainedScheduler is 2. */
export const MAX_COMPOSITE_DEPTH = 4;

/**
 * The scheduler config as JSON: it is stored with the session and sent with every read and
 * listing. 1000 per-group values in four lists (CyclicLR) are ~80 KiB.
 */
export const MAX_SCHEDULER_CONFIG_BYTES = 256 * KiB;

/** Batches of an LRRangeTest: fastai and Lightning run 100, long tests a few thousand. */
export const MAX_RANGE_TEST_ITERATIONS = 10_000;

/**
 * Batches × param groups of an LRRangeTest: a suggestion reads every recorded batch at once
 * and answers each group's lr of each batch.
 */
export const MAX_RANGE_TEST_GROUP_POINTS = 100_000;

// ── Expressions (lr_lambda, scale_fn) ────────────────────────────────────────────────────

/** Longest accepted source, in UTF-16 code units (what String.length counts). */
export const MAX_EXPRESSION_LENGTH = 1000;

/**
 * Deepest accepted nesting: parentheses, call arguments, unary operators, `not`, exponents
 * and `else` branches each open a level. It bounds the parser's recursion, so that no input
 * can overflow the stack.
 */
export const MAX_EXPRESSION_DEPTH = 64;

/**
 * Python integers are unbounded, but an lr_lambda has no use for one with more than this
 * many bits (doubles end near 2^1024), and computing one, e.g. 9 ** 9 ** 9, could take
 * minutes; beyond it evaluation fails instead.
 */
export const MAX_INTEGER_BITS = 65536;

/**
 * Big-integer work allowed to one session creation, one step, or one whole preview, in
 * 64-bit-word products (expressions/work-meter.ts: an int result of w words costs w² plus
 * 1000). 9 ** 20000 (991 words) costs ~10^6, 0.2–0.6 ms; this allows ~5–20 ms of BigInt
 * arithmetic. Realistic lr_lambdas stay below 2^53 and cost nothing.
 */
export const MAX_BIGINT_WORK = 10_000_000;

// ── Work per step and per preview ────────────────────────────────────────────────────────

/**
 * Work units of one step (see schedulers/work.ts: a unit is one scheduler updating one
 * param group, ~1 µs; expressions and milestones add theirs). Sessions step on the event
 * loop, so a step stays within ~20 ms: 1000 groups under a SequentialLR of three take
 * 3000; 1000 groups with a 40-term lr_lambda about 7000.
 */
export const MAX_STEP_WORK = 20_000;

/**
 * Work units of a whole preview (every step's, plus the creation's): the largest previews
 * by answer size (10 groups × 100 000 steps of OneCycleLR, 1 000 000 units) take ~1.5 s on
 * a preview worker; this admits those with an lr_lambda of ~20 terms.
 */
export const MAX_PREVIEW_WORK = 4_000_000;

/**
 * One step's stored state (scheduler state and optimizer groups, as JSON): every step
 * stores one, so the database grows by at most this (plus the report) per step. 1000
 * groups take 65–240 KiB (ReduceLROnPlateau … SequentialLR of three); a ChainedScheduler
 * of 32 over 1000 groups would take 1.4 MiB.
 */
export const MAX_STEP_STATE_BYTES = 512 * KiB;

// ── Reports ──────────────────────────────────────────────────────────────────────────────

/** Named metrics in one report: loss, accuracies, a few per-task numbers. */
export const MAX_METRICS_PER_REPORT = 64;

/** Name of a metric: `val/top5_accuracy/imagenet-v2` is 30. */
export const MAX_METRIC_NAME_LENGTH = 128;

// ── Previews ─────────────────────────────────────────────────────────────────────────────

/** Steps of one preview: a long run per batch. */
export const MAX_PREVIEW_STEPS = 100_000;

/** param_groups × steps of a preview: its answer holds every group's lr at every step (~50 MiB). */
export const MAX_PREVIEW_GROUP_STEPS = 1_000_000;

/**
 * A preview still running after this is stopped (its worker thread terminated) and
 * answered 422. The work limits keep legal previews to 1.5–5 s on one core; this leaves
 * room for a machine busy with other work, and is the backstop if the estimate is wrong.
 */
export const PREVIEW_DEADLINE_MS = 30_000;

/**
 * Preview worker threads. They run at a lower CPU priority than the event loop (nice +10),
 * so that even on a machine with fewer cores than busy threads /healthz and steps come first.
 */
export const PREVIEW_THREADS = 2;

/**
 * Previews waiting for a worker; beyond it a 503 with Retry-After. Queued previews hold
 * their bodies in memory (up to 16 MiB each).
 */
export const PREVIEW_QUEUE = 8;

/**
 * Heap of one preview worker: the largest legal preview peaks near 300 MiB (its points and
 * their JSON); a worker beyond this is stopped and the preview answered 422.
 */
export const PREVIEW_WORKER_HEAP_MIB = 768;

// ── Listings ─────────────────────────────────────────────────────────────────────────────

/** Sessions in one page of GET /v1/sessions (the contract's 1..500). */
export const MAX_SESSIONS_PAGE = 500;

/** Entries in one page of GET /v1/sessions/{id}/history (the contract's 1..1000). */
export const MAX_HISTORY_PAGE = 1000;

/**
 * A page of a listing (sessions, history) stops before its JSON would exceed this, even
 * short of `limit` (but holds at least one item): 1000 entries of a 1000-group session
 * would otherwise run to tens of MiB, held in memory and sent at once.
 */
export const MAX_PAGE_BYTES = 4 * MiB;

/** Entries of a downsampled history (`?points=`): a chart is a few thousand pixels wide; beyond that, page. */
export const MAX_HISTORY_POINTS = 2000;

/** A paging cursor as this service hands them out is ~30 characters. */
export const MAX_CURSOR_LENGTH = 200;

// ── Authentication ───────────────────────────────────────────────────────────────────────

/**
 * Token digests whose key (or that no key has them) the service keeps in memory, so that a
 * request with a known token reads no database (access/known-keys.ts). Far more keys than a
 * deployment has, and about 3 MiB at most; unknown tokens sent in bulk only push the least
 * recently used out, costing their owners one read each.
 */
export const MAX_CACHED_KEYS = 10_000;

// ── Naming limits in refusals ────────────────────────────────────────────────────────────

/** How a refusal words a limit, e.g. "at most 32 (MAX_NESTED_SCHEDULERS)": the client sees which. */
export function atMost(name: string, value: number): string {
  return `at most ${value} (${name})`;
}

/** The limit a refusal's message names (see atMost), if any. */
export function limitNamedIn(message: string): string | undefined {
  return /\((MAX_[A-Z0-9_]+)\)/.exec(message)?.[1];
}
