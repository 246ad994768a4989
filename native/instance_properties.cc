#include "instance_properties.h"

#include <string.h>
#include <strings.h>

namespace flbhost {

namespace {

// Fluent Bit's rule for property keys: same length, letters in any case.
bool SameKey(const std::string& name, const char* key, size_t length) {
  return name.size() == length && strncasecmp(name.c_str(), key, length) == 0;
}

}  // namespace

void InstanceProperties::Assign(std::vector<std::pair<std::string, std::string>> pairs) {
  pairs_ = std::move(pairs);
  read_.reset(new std::atomic<bool>[pairs_.size()]);
  for (size_t i = 0; i < pairs_.size(); i++) read_[i].store(false, std::memory_order_relaxed);
}

const char* InstanceProperties::Lookup(const char* key) const {
  if (key == nullptr) return nullptr;
  size_t length = strlen(key);
  for (size_t i = 0; i < pairs_.size(); i++) {
    if (SameKey(pairs_[i].first, key, length)) {
      // Relaxed: the flag is only a record, read later from the JS thread
      // after the plugin thread's Init result was handed over. Stored once:
      // a plugin reading a key on every flush, from several workers, does
      // not keep writing the same cache line.
      if (!read_[i].load(std::memory_order_relaxed)) read_[i].store(true, std::memory_order_relaxed);
      return pairs_[i].second.c_str();
    }
  }
  return nullptr;
}

std::vector<std::string> InstanceProperties::Unread() const {
  std::vector<std::string> unread;
  for (size_t i = 0; i < pairs_.size(); i++) {
    // A lookup only ever marks the first pair of a key, so a key counts as
    // read when its first occurrence was; later duplicates are skipped.
    bool first_occurrence = true;
    for (size_t j = 0; j < i && first_occurrence; j++) {
      if (SameKey(pairs_[j].first, pairs_[i].first.c_str(), pairs_[i].first.size())) first_occurrence = false;
    }
    if (first_occurrence && !read_[i].load(std::memory_order_relaxed)) {
      unread.push_back(pairs_[i].first);
    }
  }
  return unread;
}

}  // namespace flbhost
