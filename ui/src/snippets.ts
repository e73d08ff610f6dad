import { apiKey, type ParamGroup, type Session } from './api';

/** A JSON value written as a Python literal (True/False/None; NaN and infinities as floats). */
export function pythonLiteral(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : `float("${value}")`;
  if (typeof value === 'string') {
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return `float("${value === 'Infinity' ? 'inf' : value === '-Infinity' ? '-inf' : 'nan'}")`;
    return JSON.stringify(value);
  }
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    const flat = `[${value.map((v) => pythonLiteral(v, inner)).join(', ')}]`;
    return flat.length <= 80 ? flat : `[\n${value.map((v) => `${inner}${pythonLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const flat = `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v, inner)}`).join(', ')}}`;
  return flat.length <= 80 ? flat : `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pythonLiteral(v, inner)},`).join('\n')}\n${indent}}`;
}

/** A string in single quotes for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The header line curl needs once keys are in use; the token itself never goes into a snippet. */
function curlAuth(): string {
  return apiKey.get() ? ` \\\n  -H "authorization: Bearer $LRSCHED_API_KEY"` : '';
}

function pythonAuthNote(): string {
  return apiKey.get() ? '# The client reads the API key from LRSCHED_API_KEY.\n' : '';
}

/** Continue a session from Python: reattach by key, or step it by id with the client. */
export function resumePython(session: Session, baseUrl: string): string {
  if (session.key) {
    return `${pythonAuthNote()}from lrsched import RemoteScheduler

# Reattaches to "${session.key}" (at step ${session.state.step}): the key finds the session, the
# config and the optimizer's param groups must be the ones it was created with.
scheduler = RemoteScheduler(
    optimizer,
    ${pythonLiteral(session.scheduler, '    ')},
    base_url=${JSON.stringify(baseUrl)},
    key=${JSON.stringify(session.key)},
)
for epoch in range(scheduler.last_epoch, epochs):
    train(...)
    scheduler.step(${session.scheduler.type === 'ReduceLROnPlateau' ? 'validate(...)' : ''})
`;
  }
  return `${pythonAuthNote()}from lrsched import Client

client = Client(${JSON.stringify(baseUrl)})
session_id = ${JSON.stringify(session.id)}
state = client.get_session(session_id)["state"]     # step ${session.state.step} now
for group, lr in zip(optimizer.param_groups, state["lrs"]):
    group["lr"] = lr
while training:
    train(...)
    state = client.step(session_id, metric=loss, expected_step=state["step"])
    for group, lr in zip(optimizer.param_groups, state["lrs"]):
        group["lr"] = lr
`;
}

/** Report the next step with curl; expected_step makes a retry safe. */
export function resumeCurl(session: Session, baseUrl: string): string {
  return `curl -s ${baseUrl}/v1/sessions/${session.id}/step${curlAuth()} \\
  -H 'content-type: application/json' \\
  -d '{ "metric": 0.5, "expected_step": ${session.state.step} }'`;
}

export interface Design {
  param_groups: ParamGroup[];
  scheduler: Record<string, unknown>;
}

export function designJson(design: Design): string {
  return JSON.stringify(design, null, 2);
}

export function designPython(design: Design, baseUrl: string): string {
  return `${pythonAuthNote()}from lrsched import RemoteScheduler

# optimizer: your torch.optim optimizer, built with these param groups:
# ${JSON.stringify(design.param_groups)}
scheduler = RemoteScheduler(
    optimizer,
    ${pythonLiteral(design.scheduler, '    ')},
    base_url=${JSON.stringify(baseUrl)},
    key="my-run-id",
)
`;
}

export function designCurl(design: Design, baseUrl: string): string {
  return `curl -s ${baseUrl}/v1/sessions${curlAuth()} \\
  -H 'content-type: application/json' \\
  -d ${shellQuote(JSON.stringify({ name: 'my-run', ...design }))}`;
}
