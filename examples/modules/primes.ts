/** Prime factors by trial division: the "work" of the workers example (plain code, no zeroproc). */
export function factorize(n: number): number[] {
  const factors: number[] = [];
  for (let d = 2; d * d <= n; d += d === 2 ? 1 : 2) {
    while (n % d === 0) {
      factors.push(d);
      n /= d;
    }
  }
  if (n > 1) factors.push(n);
  return factors;
}
