/**
 * `networkIdOf(passphrase)`: SHA-256 of the UTF-8 network passphrase, the first 32 bytes of every
 * transaction's signature payload (lake-and-xdr §4). A wrong passphrase makes every computed tx
 * hash differ from the ledger's result hashes, which is how `pairEnvelopes` detects it.
 * @module
 */

/** The 32-byte network id of `passphrase` (e.g. "Public Global Stellar Network ; September 2015"). */
export function networkIdOf(passphrase: string): Uint8Array {
  return new Uint8Array(new Bun.CryptoHasher("sha256").update(passphrase).digest());
}
