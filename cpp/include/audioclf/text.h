// Text that comes from files (zip entry names, labels, metadata strings) is
// checked or escaped before it reaches a message or Python, where invalid
// UTF-8 would turn a clear error into a UnicodeDecodeError.
#ifndef AUDIOCLF_TEXT_H_
#define AUDIOCLF_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace audioclf {

// Offset of the first byte that does not start or continue a well-formed
// UTF-8 sequence (overlongs, surrogates and > U+10FFFF are ill-formed), or
// text.size() when the text is valid.
size_t FindInvalidUtf8(std::string_view text);

// `text` for a message: valid UTF-8 is kept, control characters and invalid
// bytes become \xNN.
std::string Printable(std::string_view text);

}  // namespace audioclf

#endif  // AUDIOCLF_TEXT_H_
