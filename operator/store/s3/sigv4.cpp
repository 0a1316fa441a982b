#include "store/s3/sigv4.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "base/encoding.h"
#include "base/strings.h"

namespace runledger::store::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kService = "s3";

// OpenSSL fails a digest or an HMAC only when it cannot allocate or its
// configuration has no SHA-256. No request can be signed then, and these
// functions have no error to return it through, so the process stops with
// OpenSSL's reason, the way it stops on value() of an error.
[[noreturn]] void DieOfOpenSslFailure(const char* call) {
  char reason[256];
  ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
  std::fprintf(stderr, "runledger: OpenSSL %s failed: %s\n", call, reason);
  std::abort();
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &length) == nullptr) {
    DieOfOpenSslFailure("HMAC");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 9110's tchar: what a method or a header name is made of.
bool IsTokenChar(unsigned char c) {
  static constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         kPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsTokenChar(c); });
}

// A header value may hold visible characters, spaces and tabs; a CR or LF
// would end the header early and let the value inject others.
bool IsFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b == '\t' || (b >= 0x20 && b != 0x7f);
  });
}

// The access key id and the region sit between '/' in the credential scope
// and inside the Authorization header, which ',' and whitespace would split.
bool IsScopePart(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '/' && c != ',';
  });
}

bool IsPayloadHash(std::string_view s) {
  if (s == kUnsignedPayload) return true;
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Trimmed, each inner run of spaces and tabs one space (SigV4's "Trimall").
// Precondition: IsFieldValue(value), so no other whitespace is left.
std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : TrimSpace(value)) {
    const bool space = c == ' ' || c == '\t';
    if (!space || !in_space) out.push_back(space ? ' ' : c);
    in_space = space;
  }
  return out;
}

Status CannotSign(std::string_view why) {
  return InvalidArgument("cannot sign the S3 request: " + std::string(why));
}

}  // namespace

std::string UriEncode(std::string_view raw, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string CanonicalQueryString(const std::vector<QueryParam>& query) {
  std::vector<QueryParam> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

Result<CanonicalRequest> Canonicalize(const Request& request) {
  if (!IsToken(request.method)) {
    return CannotSign("the method \"" + request.method + "\" is not an HTTP token");
  }
  if (request.host.empty() || !IsScopePart(request.host)) {
    return CannotSign("the host \"" + request.host + "\" is not a host name");
  }
  if (request.path.empty() || request.path.front() != '/') {
    return CannotSign("the path \"" + request.path + "\" does not start with '/'");
  }
  if (!IsPayloadHash(request.payload_sha256)) {
    return CannotSign("the payload hash \"" + request.payload_sha256 +
                      "\" is neither lowercase hex SHA-256 nor UNSIGNED-PAYLOAD");
  }

  CanonicalRequest canonical;
  canonical.headers.reserve(request.headers.size() + 1);
  canonical.headers.push_back({"host", request.host});
  for (const Header& header : request.headers) {
    if (!IsToken(header.name)) {
      return CannotSign("the header name \"" + header.name + "\" is not an HTTP token");
    }
    std::string name = ToLower(header.name);
    if (name == "host") return CannotSign("Host is Request::host, not one of the headers");
    if (!IsFieldValue(header.value)) {
      return CannotSign("the value of header " + name + " holds a control character");
    }
    canonical.headers.push_back({std::move(name), CanonicalValue(header.value)});
  }
  std::sort(canonical.headers.begin(), canonical.headers.end(),
            [](const Header& a, const Header& b) { return a.name < b.name; });
  const auto twice =
      std::adjacent_find(canonical.headers.begin(), canonical.headers.end(),
                         [](const Header& a, const Header& b) { return a.name == b.name; });
  if (twice != canonical.headers.end()) {
    return CannotSign("header " + twice->name + " is given twice; join its values with ','");
  }

  for (const Header& header : canonical.headers) {
    if (!canonical.signed_headers.empty()) canonical.signed_headers.push_back(';');
    canonical.signed_headers += header.name;
  }
  std::string& text = canonical.text;
  text = request.method + '\n' + UriEncode(request.path, true) + '\n' +
         CanonicalQueryString(request.query) + '\n';
  for (const Header& header : canonical.headers) {
    text += header.name + ':' + header.value + '\n';
  }
  text += '\n' + canonical.signed_headers + '\n' + request.payload_sha256;
  return canonical;
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds_since_epoch = floor<seconds>(time);
  const auto day = floor<days>(seconds_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds_since_epoch - day};
  char out[64];
  std::snprintf(out, sizeof(out), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";
  return scope;
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += credential_scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  const std::string date_key = HmacSha256("AWS4" + std::string(secret_access_key), date);
  const std::string region_key = HmacSha256(date_key, region);
  const std::string service_key = HmacSha256(region_key, service);
  return HmacSha256(service_key, "aws4_request");
}

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

std::string AuthorizationValue(std::string_view access_key_id, std::string_view credential_scope,
                               std::string_view signed_headers, std::string_view signature) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += credential_scope;
  out += ", SignedHeaders=";
  out += signed_headers;
  out += ", Signature=";
  out += signature;
  return out;
}

Result<std::vector<Header>> Sign(Request request, const Credentials& credentials,
                                 std::string_view region,
                                 std::chrono::system_clock::time_point now) {
  if (!IsScopePart(credentials.access_key_id)) {
    return CannotSign("the access key id is empty or holds a space, control, '/' or ','");
  }
  if (!IsScopePart(region)) {
    return CannotSign("the region \"" + std::string(region) +
                      "\" is empty or holds a space, control, '/' or ','");
  }
  const std::string amz_date = AmzDate(now);
  request.headers.push_back({"x-amz-date", amz_date});
  request.headers.push_back({"x-amz-content-sha256", request.payload_sha256});
  if (credentials.session_token) {
    request.headers.push_back({"x-amz-security-token", *credentials.session_token});
  }
  ASSIGN_OR_RETURN(CanonicalRequest canonical, Canonicalize(request));

  const std::string_view date = std::string_view(amz_date).substr(0, 8);
  const std::string scope = CredentialScope(date, region, kService);
  const std::string signature =
      Signature(SigningKey(credentials.secret_access_key, date, region, kService),
                StringToSign(amz_date, scope, canonical.text));
  canonical.headers.push_back(
      {"authorization",
       AuthorizationValue(credentials.access_key_id, scope, canonical.signed_headers, signature)});
  return std::move(canonical.headers);
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    DieOfOpenSslFailure("EVP_Digest");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

struct Sha256::Context {
  Context() : ctx(EVP_MD_CTX_new()) {
    if (ctx == nullptr) DieOfOpenSslFailure("EVP_MD_CTX_new");
    Init();
  }
  ~Context() { EVP_MD_CTX_free(ctx); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  void Init() {
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
      DieOfOpenSslFailure("EVP_DigestInit_ex");
    }
  }

  EVP_MD_CTX* ctx;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::string_view bytes) {
  if (EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size()) != 1) {
    DieOfOpenSslFailure("EVP_DigestUpdate");
  }
}

std::string Sha256::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->ctx, digest, &length) != 1) {
    DieOfOpenSslFailure("EVP_DigestFinal_ex");
  }
  context_->Init();
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace runledger::store::s3
