/**
 * Custom types: `registerType()` teaches zeroproc to carry a user class by value, so a Vec2 sent
 * to a child arrives as a Vec2 there, and one returned comes back as a Vec2 here. Both processes
 * must register it: here the module that defines the class does it, and both import that module.
 * Run: npx tsx examples/custom-types.ts
 */
import { isProxy, spawn } from 'zeroproc';
import { Vec2 } from './modules/geometry.js'; // registers the type in this process

type Geometry = typeof import('./modules/geometry.js');

await using child = await spawn({ name: 'geometry' });
// Importing it in the child registers the type there too.
const geo = await child.import<Geometry>(new URL('./modules/geometry.ts', import.meta.url).href);

const square = [new Vec2(0, 0), new Vec2(4, 0), new Vec2(4, 3), new Vec2(0, 3)];
for (const line of await geo.describe(square)) console.log(`child says: ${line}`);

// An unregistered class (Polygon) still travels by reference; its method returns a Vec2 by value.
const poly = await geo.polygon(square);
const centre = await poly.centroid();
console.log(`polygon is a proxy: ${isProxy(poly)}; its centroid: ${centre}, instanceof Vec2: ${centre instanceof Vec2}`);
console.log(`local methods work on it: ${centre.plus(new Vec2(1, 1))}, length ${centre.length.toFixed(3)}`);
