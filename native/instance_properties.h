// An instance's configured properties, and which of them its plugin read.
#ifndef FLBHOST_INSTANCE_PROPERTIES_H
#define FLBHOST_INSTANCE_PROPERTIES_H

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace flbhost {

// The key/value pairs a plugin reads through *_get_property, fixed once the
// instance is created, plus one flag per pair that a lookup sets. The flags
// let the host name configured keys the plugin never asked for (typos,
// options of another plugin) after Init.
//
// Lookups may come from any thread (Go plugins read config from goroutines),
// so the flags are atomics and the pairs are never changed after Assign.
class InstanceProperties {
 public:
  // Before any plugin thread sees the instance.
  void Assign(std::vector<std::pair<std::string, std::string>> pairs);

  // Case-insensitive, exact-length lookup, first match in config order, as
  // Fluent Bit's flb_kv_get_key_value; marks the match as read. The result
  // lives as long as this object. Any thread.
  const char* Lookup(const char* key) const;

  // The configured keys no lookup matched, in config order, each once (keys
  // equal but for case count as one). Any thread.
  std::vector<std::string> Unread() const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::unique_ptr<std::atomic<bool>[]> read_;
};

}  // namespace flbhost

#endif
