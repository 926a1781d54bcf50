// Package chain reads trade and transfer histories straight from an Ethereum
// JSON-RPC node, and looks up the first funders of wallets.
//
// [Ingest] queries eth_getLogs (through go-ethereum's ethclient) for the
// ERC-721 and ERC-20 Transfer, ERC-1155 TransferSingle and TransferBatch
// events of a set of contracts, and turns them into canonical rows (docs/contract.md §6):
// one row per transferred item, with that log's log_index, ordered by
// (block_number, log_index, batch position). Each transaction that moved an
// item is priced from the sale events of known marketplaces in it (Seaport
// 1.1–1.6 OrderFulfilled, CryptoPunks PunkBought, LooksRare v1 and v2
// TakerAsk/TakerBid, Blur OrdersMatched, X2Y2 EvInventory), decoded with
// accounts/abi; a bundle's price is split evenly over its items in the
// smallest unit, the first (price mod items) items in the event's order
// getting one unit more. A transaction without a sale event gives its rows its
// native value (split the same way), else the wrapped native coin transferred
// to each row's seller within it, else price 0. Prices are exact decimal text
// (wei / 10^18, no floating point).
//
// The ingest survives real providers: log queries that hit a block-range or
// result-count limit are split in halves, transient failures (HTTP 429 and
// 5xx, timeouts, dropped connections, rate-limit errors) are retried with
// exponential backoff and jitter, and every committed chunk of blocks is
// appended to a checkpoint beside the output, so an interrupted run resumes
// with no gap and no duplicate, and writes the identical file.
//
// [FirstFunders] finds the address that first sent native currency to each
// wallet; see its documentation for what needs an archive node or a trace API.
package chain
