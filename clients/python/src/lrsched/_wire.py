"""JSON has no NaN or infinities: the service spells them "NaN", "Infinity", "-Infinity"."""

import math

_SPELLED = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def to_wire(value):
    """Any JSON-like value with non-finite floats spelled as strings. Scalars that only
    convert to float (a 0-d torch tensor, numpy.float32) are sent as floats, as
    PyTorch's schedulers take them with float(metric)."""
    if not isinstance(value, (bool, int, float, str)) and hasattr(value, "__float__"):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def number(value):
    """One number from the wire: a JSON number or a spelled non-finite one."""
    return _SPELLED[value] if isinstance(value, str) else value
