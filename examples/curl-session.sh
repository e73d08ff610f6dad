#!/usr/bin/env bash
# A scheduler session driven with curl: create, step with retries made safe, rewind, read history.
# Usage: examples/curl-session.sh [base-url]   (needs curl and jq; the service running)
set -euo pipefail
BASE=${1:-http://127.0.0.1:8080}
json() { curl -sS -H 'content-type: application/json' "$@"; }

id=$(json "$BASE/v1/sessions" -d '{
  "name": "curl-example",
  "param_groups": [{ "lr": 0.1, "momentum": 0.9 }],
  "scheduler": { "type": "SequentialLR", "milestones": [3], "schedulers": [
    { "type": "LinearLR", "start_factor": 0.1, "total_iters": 3 },
    { "type": "CosineAnnealingLR", "T_max": 10 } ] }
}' | jq -r .id)
echo "session $id"

for step in 0 1 2 3 4; do
  json "$BASE/v1/sessions/$id/step" -d "{\"metric\": 1.$step, \"expected_step\": $step}" | jq -c '{step, lrs}'
done

# The same report again (say, the answer was lost): answered again, not applied twice.
json "$BASE/v1/sessions/$id/step" -d '{"metric": 1.4, "expected_step": 4}' | jq -c '{step, lrs, replayed}'

# Back to the checkpoint after step 2, then on from there.
json "$BASE/v1/sessions/$id/rewind" -d '{"to_step": 2}' | jq -c '{step, lrs}'
json "$BASE/v1/sessions/$id/history" | jq -c '.items[] | {step, report, lrs: .state.lrs}'
