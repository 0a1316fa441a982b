// MLflow's content types by extension, and attachment headers.
#include "tracking/artifacts/content_type.h"

#include <cctype>
#include <utility>

namespace runledger::tracking::artifacts {
namespace {

// mime_type_utils.get_text_extensions() (mlflow 3.17), plus its two names.
constexpr std::string_view kText[] = {
    "txt",  "log",   "err",  "cfg",  "conf", "cnf",   "cf",      "ini",      "properties",
    "prop", "hocon", "toml", "yaml", "yml",  "xml",   "json",    "js",       "py",
    "py3",  "csv",   "tsv",  "md",   "rst",  "ipynb", "MLmodel", "MLproject"};

// Python's mimetypes.guess_type for extensions artifacts commonly have
// (checked against CPython 3.11's table).
constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
    {"png", "image/png"},         {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
    {"svg", "image/svg+xml"},     {"webp", "image/webp"},
    {"bmp", "image/bmp"},         {"tif", "image/tiff"},
    {"tiff", "image/tiff"},       {"ico", "image/vnd.microsoft.icon"},
    {"html", "text/html"},        {"htm", "text/html"},
    {"css", "text/css"},          {"pdf", "application/pdf"},
    {"zip", "application/zip"},   {"tar", "application/x-tar"},
    {"tgz", "application/x-tar"}, {"h5", "application/x-hdf5"},
    {"mp4", "video/mp4"},         {"mp3", "audio/mpeg"},
    {"wav", "audio/x-wav"},       {"sh", "text/x-sh"},
    {"c", "text/x-csrc"},
};

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::string GuessContentType(std::string_view name) {
  size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  // os.path.splitext: a leading dot does not start an extension.
  size_t dot = name.rfind('.');
  std::string_view ext = dot == std::string_view::npos || dot == 0 ? name : name.substr(dot + 1);
  for (std::string_view t : kText) {
    if (t == ext) return "text/plain";
  }
  std::string lower(ext);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (dot != std::string_view::npos && dot != 0) {
    for (const auto& [e, type] : kTypes) {
      if (e == lower) return std::string(type);
    }
  }
  return "application/octet-stream";
}

std::string ContentDisposition(std::string_view file_name) {
  std::string ascii;
  bool non_ascii = false;
  for (unsigned char c : file_name) {
    if (c >= 0x80) {
      non_ascii = true;
    } else if (c >= 0x20 && c != 0x7f) {
      ascii.push_back(static_cast<char>(c));
    }
  }
  if (ascii.empty()) ascii = "download";
  std::string out = "attachment; filename=" + (IsToken(ascii) ? ascii : Quoted(ascii));
  if (!non_ascii) return out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "; filename*=UTF-8''";
  for (unsigned char c : file_name) {
    if (std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace runledger::tracking::artifacts
