export { compileExpression, type CompiledExpression } from './compile.js';
export { ExpressionEvaluationError, ExpressionSyntaxError, type EvaluationErrorKind } from './errors.js';
export { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from '../limits.js';
export { meteringBigIntWork } from './work-meter.js';
