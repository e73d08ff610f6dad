"""Real Python as the oracle for the expression-language tests (src/expressions).

Usage: python3 python_oracle.py INPUT.json  (prints JSON to stdout)

INPUT is one of
  {"expressions": [{"source": "...", "variable": "epoch", "values": [VALUE, ...]}, ...]}
  {"functions": [{"name": "sin", "args": ["<hex>", ...]}, ...]}
where VALUE is {"int": "<decimal>"} (bound as a Python int) or {"float": "<hex>"}, and
<hex> is the 16 hex digits of an IEEE double, so that every bit survives the trip.

For expressions, each value gets {"ok": "<hex>"} (float() of the result) or
{"error": "<exception class>"} (or "complex" for a complex result), plus
  "complex": whether any ** produced a complex number along the way, and
  "calls":   the libm-backed calls made with float results, [name, <hex> args..., <hex> result],
so that a test can tell a last-bit difference of glibc from a semantic one.
The expression itself is evaluated exactly as written: the only change is that `a ** b`
becomes a call of a function that computes `a ** b` and records it.
A case may carry "libm": {"<name> <hex arg> ...": "<hex result>"}: those calls then
answer the given double instead of glibc's, so that a test can evaluate an expression
with the test subject's own libm results and demand the same double everywhere else.

For functions, each call gets {"ok": "<hex>"} or {"error": ...} ("complex" for a complex
result), plus "correctly_rounded" (the true value rounded to the nearest double, via
mpmath) for finite arguments and results when mpmath is installed.
"""

import ast
import json
import math
import struct
import sys


def to_hex(x):
    return struct.pack('>d', x).hex()


def from_hex(h):
    return struct.unpack('>d', bytes.fromhex(h))[0]


class Recorder:
    def __init__(self):
        self.calls = []
        self.complex = False

    def record(self, name, args, result):
        try:
            self.calls.append([name] + [to_hex(float(a)) for a in args] + [to_hex(result)])
        except OverflowError:
            pass  # an int too large for a double: CPython did not use libm on it directly


class PowerToCall(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            call = ast.Call(func=ast.Name(id='_power_', ctx=ast.Load()), args=[node.left, node.right], keywords=[])
            return ast.copy_location(call, node)
        return node


def namespace(recorder, overrides):
    def libm(name, args, result):
        """glibc's result, or the one the request substitutes for this call; recorded."""
        if isinstance(result, float):
            try:
                key = ' '.join([name] + [to_hex(float(a)) for a in args])
            except OverflowError:
                key = None
            if key in overrides:
                result = from_hex(overrides[key])
            recorder.record(name, args, result)
        return result

    def recorded(name, function):
        return lambda x: libm(name, [x], function(x))

    def log(x, *base):
        return libm('log' if not base else 'log2', [x, *base], math.log(x, *base))

    def power(a, b):
        result = a ** b
        if isinstance(result, complex):
            recorder.complex = True
        return libm('pow', [a, b], result)

    return {
        '__builtins__': {},
        'min': min,
        'max': max,
        'abs': abs,
        'floor': math.floor,
        'ceil': math.ceil,
        'exp': recorded('exp', math.exp),
        'log': log,
        'sqrt': recorded('sqrt', math.sqrt),
        'sin': recorded('sin', math.sin),
        'cos': recorded('cos', math.cos),
        'tan': recorded('tan', math.tan),
        'pi': math.pi,
        '_power_': power,
    }


def decode(value):
    return int(value['int']) if 'int' in value else from_hex(value['float'])


def evaluate_expressions(expressions):
    results = []
    for case in expressions:
        try:
            tree = ast.parse(case['source'], mode='eval')
        except SyntaxError as error:
            results.append({'syntax_error': str(error)})
            continue
        code = compile(ast.fix_missing_locations(PowerToCall().visit(tree)), '<expression>', 'eval')
        outcomes = []
        for value in case['values']:
            recorder = Recorder()
            try:
                result = eval(code, namespace(recorder, case.get('libm', {})), {case['variable']: decode(value)})
                if isinstance(result, complex):
                    outcome = {'error': 'complex'}
                else:
                    outcome = {'ok': to_hex(float(result))}
            except Exception as error:  # ArithmeticError, ValueError, TypeError (from complex numbers)
                outcome = {'error': type(error).__name__}
            outcome['complex'] = recorder.complex
            outcome['calls'] = recorder.calls
            outcomes.append(outcome)
        results.append({'outcomes': outcomes})
    return {'results': results}


def correctly_rounded(mpmath, name, args):
    # Enough bits for the result, plus the argument's own magnitude for the reduction of sin(1e308).
    mpmath.mp.prec = 400 + max(0, math.frexp(args[0])[1])
    x = [mpmath.mpf(a) for a in args]
    value = mpmath.power(x[0], x[1]) if name == 'pow' else getattr(mpmath, name)(x[0])
    # mpmath's float() rounds twice for subnormals; round on the 2^-1074 grid instead.
    if abs(value) < mpmath.mpf(2) ** -1022:
        return float(int(mpmath.nint(value * mpmath.mpf(2) ** 1074))) * 2.0 ** -1074
    return float(value)


def evaluate_functions(calls):
    try:
        import mpmath
    except ImportError:
        mpmath = None
    functions = {'exp': math.exp, 'log': math.log, 'sin': math.sin, 'cos': math.cos, 'tan': math.tan,
                 'sqrt': math.sqrt, 'pow': lambda a, b: a ** b}
    results = []
    for call in calls:
        args = [from_hex(a) for a in call['args']]
        try:
            result = functions[call['name']](*args)
        except Exception as error:
            results.append({'error': type(error).__name__})
            continue
        if isinstance(result, complex):
            results.append({'error': 'complex'})
            continue
        outcome = {'ok': to_hex(result)}
        if mpmath is not None and all(math.isfinite(a) for a in args) and math.isfinite(result):
            reference = correctly_rounded(mpmath, call['name'], args)
            # mpmath has no -0.0, so a zero takes its sign from the result, which is exact then.
            outcome['correctly_rounded'] = to_hex(math.copysign(0.0, result) if reference == 0 else reference)
        results.append(outcome)
    return {'results': results, 'mpmath': mpmath is not None}


def main():
    with open(sys.argv[1]) as file:
        request = json.load(file)
    if 'expressions' in request:
        response = evaluate_expressions(request['expressions'])
    else:
        response = evaluate_functions(request['functions'])
    json.dump(response, sys.stdout)


if __name__ == '__main__':
    main()
