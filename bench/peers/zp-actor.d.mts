export declare class EchoActor {
  static tell: string[];
  hits: number;
  echo<T>(x: T): T;
  hit(): void;
}
export declare class PlainEcho {
  echo<T>(x: T): T;
}
