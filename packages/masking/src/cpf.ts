/**
 * Whether the 11 digits in `digits[0..11)` form a valid CPF (Brazilian taxpayer number): both
 * check digits right, and not one of the all-same-digit numbers that pass the arithmetic but are
 * never issued.
 */
export function cpfValid(digits: Uint8Array): boolean {
  let same = true;
  for (let i = 1; i < 11; i++) if (digits[i] !== digits[0]) same = false;
  if (same) return false;
  return checkDigit(digits, 9) === digits[9] && checkDigit(digits, 10) === digits[10];
}

/** The mod-11 check digit over the first `count` digits, weights count+1 down to 2. */
function checkDigit(digits: Uint8Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += (digits[i] as number) * (count + 1 - i);
  const r = sum % 11;
  return r < 2 ? 0 : 11 - r;
}
