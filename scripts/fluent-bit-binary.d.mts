export function fluentBitBinary(root: string): string | undefined;
