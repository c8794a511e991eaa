// Hot-path micro-benchmarks: composing a message (GMime), DATA encoding (dot-stuffing) and
// line-ending normalization, per message of a typical business size.
#include <benchmark/benchmark.h>

#include <string>

#include "mime/compose.h"
#include "smtp/data_encoding.h"

namespace {

std::string typicalBody(std::size_t lines) {
  std::string body;
  for (std::size_t i = 0; i < lines; ++i) {
    body += (i % 17 == 0 ? "." : "") + std::string("Lorem ipsum dolor sit amet, consectetur ") +
            "adipiscing elit, sed do eiusmod tempor.\r\n";
  }
  return body;
}

void encodeData(benchmark::State& state) {
  const std::string message = typicalBody(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(outpost::smtp::encodeData(message));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(encodeData)->Arg(40)->Arg(4000);

void normalizeLineEndings(benchmark::State& state) {
  std::string message = typicalBody(static_cast<std::size_t>(state.range(0)));
  for (auto& c : message) c = c == '\r' ? ' ' : c;  // LF only, as many clients send
  for (auto _ : state) benchmark::DoNotOptimize(outpost::mime::normalizeLineEndings(message));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(normalizeLineEndings)->Arg(40)->Arg(4000);

void composeTextAndHtml(benchmark::State& state) {
  outpost::mime::ComposeRequest request;
  request.from = {"Shop", "shop@example.com"};
  request.to = {{"Ann", "ann@example.org"}};
  request.subject = "Your order has shipped";
  request.text = typicalBody(40);
  request.html = "<p>" + typicalBody(40) + "</p>";
  request.message_id_domain = "example.com";
  request.date = 1795941041000;
  for (auto _ : state) {
    std::vector<outpost::mime::FieldError> errors;
    benchmark::DoNotOptimize(outpost::mime::compose(request, errors));
  }
}
BENCHMARK(composeTextAndHtml);

}  // namespace

BENCHMARK_MAIN();
