#include "app/http_client.h"

#include <curl/curl.h>

namespace outpost::app {
namespace {

std::size_t appendBody(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

}  // namespace

Result<HttpResponse> httpRequest(const std::string& method, const std::string& url,
                                 const std::string& api_key, const std::string& body) {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) return Error::permanentFailure("http.init", "libcurl failed to start");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Error::permanentFailure("http.init", "libcurl failed to start");
  HttpResponse response;
  curl_slist* headers = nullptr;
  const std::string authorization = "Authorization: Bearer " + api_key;
  headers = curl_slist_append(headers, authorization.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  if (!body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return Error::temporaryFailure("http.connect",
                                   "cannot reach " + url + ": " + curl_easy_strerror(code));
  }
  return response;
}

}  // namespace outpost::app
