/**
 * A user class that travels by value, as itself, between processes. Importing this module
 * registers the type; the parent imports it and so does the child, so both sides know it.
 */
import { registerType } from 'zeroproc';

export class Vec2 {
  constructor(readonly x: number, readonly y: number) {}
  plus(other: Vec2): Vec2 {
    return new Vec2(this.x + other.x, this.y + other.y);
  }
  get length(): number {
    return Math.hypot(this.x, this.y);
  }
  toString(): string {
    return `Vec2(${this.x}, ${this.y})`;
  }
}

// The name identifies the type on the wire: the same in every process. `encode` turns a value
// into plain data; `decode` rebuilds it on the other side.
// Tell the types too that a Vec2 arrives as a Vec2, not as a proxy.
declare module 'zeroproc' {
  interface ValueTypes {
    vec2: Vec2;
  }
}

registerType<Vec2>({
  name: 'examples.Vec2',
  type: Vec2,
  encode: (v) => [v.x, v.y],
  decode: (data) => {
    const [x, y] = data as [number, number];
    return new Vec2(x, y);
  },
});

/** A class left unregistered: its instances travel by reference, as proxies. */
export class Polygon {
  constructor(readonly corners: Vec2[]) {}
  centroid(): Vec2 {
    const sum = this.corners.reduce((a, b) => a.plus(b), new Vec2(0, 0));
    return new Vec2(sum.x / this.corners.length, sum.y / this.corners.length);
  }
}

/** Runs in the child: the arguments arrive as real Vec2 instances. */
export function describe(points: Vec2[]): string[] {
  return points.map((p) => `${p} is a Vec2: ${p instanceof Vec2}, length ${p.length.toFixed(3)}`);
}

export function polygon(corners: Vec2[]): Polygon {
  return new Polygon(corners);
}
