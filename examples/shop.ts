/**
 * Shop (after Pyro's autoproxy example): a shop in a child process hands out carts. A cart is a
 * class instance, so it comes back as a proxy automatically; the customer fills it remotely,
 * then gives it back at checkout, where it turns into the shop's own object again.
 * Run: npx tsx examples/shop.ts
 */
import { isProxy, isRemoteError, release, spawn } from 'zeroproc';

type ShopModule = typeof import('./modules/shop.js');

await using shopProc = await spawn({ name: 'shop' });
const { Shop } = await shopProc.import<ShopModule>(new URL('./modules/shop.ts', import.meta.url).href);
const shop = await new Shop();

// Two customers shop at the same time; each gets a proxy (a Remote<Cart>) to a cart living in the shop.
const alice = await shop.enter('alice');
const bob = await shop.enter('bob');
console.log(`alice's cart is a proxy: ${isProxy(alice)}; customer: ${await alice.customer}`);
await Promise.all([alice.purchase('bread'), alice.purchase('cheese'), bob.purchase('coffee')]);
await alice.purchase('apple');
await bob.purchase('milk');
try {
  await bob.purchase('caviar');
} catch (err) {
  // the remote RangeError arrives as a RangeError, carrying where it happened
  if (!(err instanceof RangeError) || !isRemoteError(err)) throw err;
  console.log(`bob is refused: ${err.name}: ${err.message} (from ${err.origin.server}, pid ${err.origin.pid})`);
}
console.log(`inside: ${(await shop.customersInside()).join(', ')}; alice has ${(await alice.contents()).join(', ')}`);

// Checkout: the proxy travels back to the shop, which receives its own Cart object.
console.log(`receipt: ${await shop.checkout(alice)}`);
console.log(`receipt: ${await shop.checkout(bob)}`);
console.log(`inside after checkout: ${(await shop.customersInside()).length} customer(s)`);
console.log(`ledger: ${JSON.stringify(await shop.salesLedger())}`);

// The customers let go of their carts: the shop's server frees them.
console.log(`objects the shop holds for us: ${await shop.heldObjects()}`);
release(alice);
release(bob);
console.log(`after releasing the carts: ${await shop.heldObjects()}`);
