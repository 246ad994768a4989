// The JSON functions JS sees (declared in src/native.ts): JSON lines to
// chunks of events, synchronously or on the libuv pool, and one JSON value
// to MessagePack. Registered by addon.cc.
#ifndef FLBHOST_JSON_ADDON_H
#define FLBHOST_JSON_ADDON_H

#include <napi.h>

namespace flbhost {

// jsonLinesToChunks(data: Uint8Array, options?): JsonLinesResult
Napi::Value JsonLinesToChunksSync(const Napi::CallbackInfo& info);
// jsonLinesToChunksAsync(data: Uint8Array, options?): Promise<JsonLinesResult>
Napi::Value JsonLinesToChunksAsync(const Napi::CallbackInfo& info);
// jsonToMsgpack(data: Uint8Array, maxDepth?): Buffer (throws SyntaxError)
Napi::Value JsonValueToMsgpack(const Napi::CallbackInfo& info);

}  // namespace flbhost

#endif
