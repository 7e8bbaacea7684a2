#!/usr/bin/env bash
# PyTorch round trips of the interchange JSON through the running server
# (seq_model_import of a torch module, seq_model_export into torch): see
# interchange.py.  Needs PGHOST etc. (scripts/test.sh sets them) and
# Debian's python3-torch.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 test/torch/interchange.py
