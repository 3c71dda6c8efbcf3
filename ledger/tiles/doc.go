// Package tiles serves a ledger to its followers, and follows one, as a
// C2SP tlog-tiles log (https://c2sp.org/tlog-tiles): a handful of static,
// cacheable resources instead of an API.
//
//	<prefix>/checkpoint                 the latest signed checkpoint
//	<prefix>/checkpoint?after=N         the same, once the tree has more than N entries (long poll)
//	<prefix>/tile/<L>/<N>[.p/<W>]       hash tiles: 256 consecutive tree hashes of level 8·L
//	<prefix>/tile/entries/<N>[.p/<W>]   entry bundles: 256 consecutive entries
//
// A full tile never changes and is served as immutable; a partial tile (the
// right edge of the tree, .p/<W>) is cached briefly; the checkpoint is not
// cached. NewHandler serves any Log (a *ledger.Ledger).
//
// A Client fetches the checkpoint and verifies it under the log's key, then
// fetches tiles and authenticates every hash against the checkpoint's root
// (with golang.org/x/mod/sumdb/tlog's TileHashReader), and every entry
// against those hashes, before it returns anything. With it, `urna verify
// URL` downloads and proves a whole log (Client.Entries), and an observer
// node follows a live one, checking at each poll that the new checkpoint
// extends the last (Client.Update).
//
// Entry bundles follow tlog-tiles, each entry prefixed by its length as a
// big-endian uint16, except that an entry of more than 65,535 bytes (the
// ledger allows up to 1 MiB) is prefixed by 0x0000 and a big-endian uint32
// (see AppendBundle).
package tiles
