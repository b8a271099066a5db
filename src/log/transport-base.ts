/**
 * winston's transport base class. winston exports it at run time as `Transport`, but its type
 * declarations only re-export it as a namespace; this bridges the two without a run-time
 * dependency on `winston-transport` (it is winston's dependency, not ours).
 */
import winston from 'winston';
import type TransportStream from 'winston-transport';

/** The `winston-transport` base class, as winston exports it. */
export const TransportBase: typeof TransportStream = (winston as unknown as { Transport: typeof TransportStream })
  .Transport;
