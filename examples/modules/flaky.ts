/** A module the supervised example imports in its child: a job runner that crashes now and then. */
import { getProcessName } from 'zeroproc';

export class JobRunner {
  private handled = 0;

  /** `resumeAt`: the first job this runner has not done; the parent keeps that checkpoint. */
  constructor(readonly resumeAt: number, private readonly crashAfter: number) {}

  run(job: number): string {
    if (this.handled === this.crashAfter) {
      // a bug that takes the whole process down, in the middle of the call
      console.error(`${getProcessName()}: out of memory (simulated) on job ${job}`);
      process.exit(1);
    }
    this.handled++;
    return `job ${job} done by pid ${process.pid}`;
  }
}
