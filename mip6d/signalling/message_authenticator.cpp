#include "mip6d/signalling/message_authenticator.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdexcept>
#include <string>

namespace roam6::mip6d {

namespace {

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("OpenSSL: ") + what); }

const char* digest_name(AuthAlgorithm a) {
  return a == AuthAlgorithm::hmac_sha1_96 ? "SHA1" : "SHA256";
}

}  // namespace

MessageAuthenticator::MessageAuthenticator(AuthAlgorithm algorithm,
                                           std::span<const std::uint8_t> secret)
    : algorithm_(algorithm), ctx_(nullptr, EVP_MAC_CTX_free) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) fail("HMAC not available");
  ctx_.reset(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context keeps its own reference
  if (!ctx_) fail("cannot create HMAC context");
  char digest[8];
  const std::string name = digest_name(algorithm);
  name.copy(digest, sizeof digest - 1);
  digest[name.size()] = '\0';
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx_.get(), secret.data(), secret.size(), params) != 1) fail("HMAC key setup failed");
}

MessageAuthenticator::~MessageAuthenticator() = default;
MessageAuthenticator::MessageAuthenticator(MessageAuthenticator&&) noexcept = default;
MessageAuthenticator& MessageAuthenticator::operator=(MessageAuthenticator&&) noexcept = default;

void MessageAuthenticator::begin() {
  // Re-initialising with no key keeps the key already set up.
  if (EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) != 1) fail("HMAC init failed");
}

void MessageAuthenticator::update(wire::ByteSpan part) {
  if (EVP_MAC_update(ctx_.get(), part.data(), part.size()) != 1) fail("HMAC update failed");
}

Authenticator MessageAuthenticator::finish() {
  Authenticator out{};
  std::size_t written = 0;
  if (EVP_MAC_final(ctx_.get(), out.data(), &written, out.size()) != 1) fail("HMAC final failed");
  // Truncation (HMAC-SHA1-96) keeps the leftmost bytes; the rest stay zero.
  for (std::size_t i = size(); i < out.size(); ++i) out[i] = 0;
  return out;
}

bool MessageAuthenticator::matches(const Authenticator& expected, wire::ByteSpan received) const noexcept {
  if (received.size() != size()) return false;
  return CRYPTO_memcmp(expected.data(), received.data(), size()) == 0;
}

}  // namespace roam6::mip6d
