/**
 * Remote objects: construct objects inside a child, walk attribute paths, choose between values
 * and references, read and write attributes, and release proxies so the child frees the objects.
 * Run: npx tsx examples/remote-objects.ts
 */
import { getValue, isProxy, release, setAttr, spawn, withOptions, NotFoundError } from 'zeroproc';

type Inventory = typeof import('./modules/inventory.js');

await using child = await spawn({ name: 'store' }); // stopped when the script's scope ends
const inv = await child.import<Inventory>(new URL('./modules/inventory.ts', import.meta.url).href);

// Remote construction: `new` on a remote class runs the constructor in the child and resolves
// with a proxy to the new instance.
const shelf = await new inv.Shelf('fruit');
console.log(`new Shelf() -> isProxy: ${isProxy(shelf)}`);
console.log(`add() -> ${await shelf.add('apple', 'pear', 'plum', 'fig')} items`);

// Attribute paths: reading `inv.settings.warehouse.dock.doors` sends nothing until it is awaited,
// then one request walks the whole path in the child.
console.log(`settings.warehouse.dock.doors = ${await inv.settings.warehouse.dock.doors}`);
console.log(`shelf.label = ${await shelf.label}`);

// Values vs references ('auto'): plain data comes back by value, class instances by reference.
const summary = await shelf.summary(); // a plain object: a local copy
console.log(`summary() by value: ${JSON.stringify(summary)}`);
const half = await shelf.split('more fruit'); // a Shelf: a Remote<Shelf> that stays in the child
console.log(`split() -> isProxy: ${isProxy(half)}, its items: ${(await half.items).join(', ')}`);

// returnType forces one or the other. 'value' copies a class instance as plain data...
const copy = await withOptions(shelf, { returnType: 'value' }).split('copied');
console.log(`split() with returnType 'value': ${JSON.stringify(copy)} (isProxy: ${isProxy(copy)})`);
// ...and 'proxy' keeps plain data remote, so changes made through it are seen by everyone.
const warehouse = await withOptions(inv.settings.warehouse, { returnType: 'proxy' });
await setAttr(warehouse, 'city', 'Porto'); // setAttr: assign and wait for it to be done
console.log(`after setAttr through the reference: settings.warehouse.city = ${await inv.settings.warehouse.city}`);

// getValue: the whole object by value, whatever its type.
console.log(`getValue(shelf) = ${JSON.stringify(await getValue(shelf))}`);
await setAttr(shelf, 'label', 'stone fruit');
console.log(`after setAttr(shelf, 'label'): ${await shelf.label}`);

// Lifetime: the child keeps each object while a proxy references it: here the module namespace,
// `shelf`, `half` and `warehouse` (`copy` and `summary` are plain local data). Then give them back.
console.log(`objects held by the child: ${await inv.objectCount()}`);
release(shelf);
release(half);
warehouse[Symbol.dispose](); // same as release(warehouse)
{
  using temp = await new inv.Shelf('temporary'); // `using`: released at the end of this block
  await temp.add('x');
}
// Releases are batched, and leave before any later request.
console.log(`objects held by the child after release: ${await inv.objectCount()}`);

// A released proxy refuses to be used.
try {
  await shelf.add('kiwi');
} catch (err) {
  console.log(`using a released proxy: ${(err as Error).name}: ${(err as Error).message}`);
  console.log(`  instanceof NotFoundError: ${err instanceof NotFoundError}`);
}
