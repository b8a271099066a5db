/**
 * Shopping cart (after Pyro's shoppingcart example): customers take carts from a shop in a child
 * process, fill them remotely and leave; at the door the shop takes each cart back
 * (`server.revoke`), so a customer who keeps the proxy finds it revoked. A shoplifter with a
 * full, unpaid cart is stopped.
 * Run: npx tsx examples/shopping-cart.ts
 */
import { NotExposedError, NotFoundError, RemoteError, spawn } from 'zeroproc';

type ShopModule = typeof import('./modules/shopping-cart.js');

await using shopProc = await spawn({ name: 'shop' });
const { Shop } = await shopProc.import<ShopModule>(new URL('./modules/shopping-cart.ts', import.meta.url).href);
const shop = await new Shop();

const harry = await shop.enter('Harry');
const sally = await shop.enter('Sally');
const shoplifter = await shop.enter('shoplifter');
console.log(`goods: ${(await shop.goods()).join(', ')}`);
for (const item of ['bread', 'milk', 'cheese', 'wine']) await harry.purchase(item);
for (const item of ['paper', 'water', 'cereal']) await sally.purchase(item);
for (const item of ['chocolate', 'beer']) await shoplifter.purchase(item);
console.log(`customers in the shop: ${(await shop.customers()).join(', ')}`);
console.log(`Harry's cart: ${(await harry.contents()).join(', ')}`);

// the cart's `paid` flag is not exposed: the shoplifter cannot mark the cart paid
try {
  await (shoplifter as unknown as { paid: PromiseLike<boolean> }).paid;
} catch (err) {
  if (!(err instanceof NotExposedError)) throw err;
  console.log(`the shoplifter cannot touch the paid flag: ${err.code}`);
}

console.log(await shop.payByCash('Harry', 19.95));
console.log(await shop.payByCard('Sally', '1234-5678-9012'));
console.log(await shop.leave('Harry'));
console.log(await shop.leave('Sally'));
try {
  await shop.leave('shoplifter');
} catch (err) {
  if (!(err instanceof RemoteError)) throw err;
  console.log(`the shoplifter is stopped: ${err.message}`);
}
await shoplifter.empty();
console.log(await shop.leave('shoplifter'));
console.log(`customers in the shop: ${(await shop.customers()).length}`);

// Harry kept the proxy to his cart, but the shop took the cart back
try {
  await harry.purchase('beer');
} catch (err) {
  if (!(err instanceof NotFoundError)) throw err;
  console.log(`Harry tries his cart after leaving: ${err.code}, ${/revoked/.test(err.message) ? 'revoked' : err.message}`);
}
