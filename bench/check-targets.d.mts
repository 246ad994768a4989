// Types of bench/check-targets.mjs, for the unit test written in TypeScript.
export function benchFailures(report: Record<string, unknown>): string[];
export function printCheck(report: Record<string, unknown>): boolean;
