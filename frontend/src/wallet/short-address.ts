/** An address shortened for display: `0xf39F…2266` (the full address belongs in a title). */
export const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;
