/**
 * Whether `digits[0..length)` (values 0-9) pass the Luhn checksum that every payment card number
 * carries. Works on a digit buffer so the scanner never builds a string for a candidate.
 */
export function luhnValid(digits: Uint8Array, length: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = length - 1; i >= 0; i--) {
    let d = digits[i] as number;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
