// Child start and footprint. zeroproc case 5 pairs a compiled-JS child with bareForkFirstAnswer
// and a TS child with tsxForkFirstAnswer; case 6 pairs with bareChildRss. Until then the tsx
// child is run against the bare one (what loading tsx costs).
import { bareChildRss, bareForkFirstAnswer, tsxChildRss, tsxForkFirstAnswer } from '../baselines.js';
import { info, type BenchCase } from '../harness.js';

export const cases: BenchCase[] = [
  {
    name: 'selfcheck: node --import tsx child, spawn to first answer',
    target: info('tsx child against bare node child'),
    baseline: bareForkFirstAnswer,
    measure: tsxForkFirstAnswer.measure,
  },
  {
    name: 'selfcheck: node --import tsx child, idle RSS',
    target: info('tsx child against bare node child'),
    baseline: bareChildRss,
    measure: tsxChildRss.measure,
  },
];
