# The runledger image: runledger-operator (the entrypoint) and
# runledger-capture (static; training pods' init container copies it out).
# docs/install.md explains how the chart uses it.
#
#   docker build -t runledger-operator:0.1.0 .

FROM debian:12 AS build
# The build packages of e2e/setup, without the test-only ones.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      libcpprest-dev libboost-dev libboost-system-dev libssl-dev \
      libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libspdlog-dev \
      libgtest-dev libgmock-dev libgit2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && ninja -C /build runledger-operator runledger-capture \
 && strip /build/operator/runledger-operator /build/operator/capture/runledger-capture

FROM debian:12-slim
# The operator's shared libraries (tests/image_libraries.sh checks the list
# against the built binary), and the CA certificates that HTTPS to git
# servers and S3 trusts by default.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libcpprest2.10 libfmt9 libgit2-1.5 libsimdjson14 libspdlog1.10 \
      libssl3 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/operator/runledger-operator /runledger-operator
COPY --from=build /build/operator/capture/runledger-capture /runledger-capture
USER 65532:65532
EXPOSE 5000 8080 8081
ENTRYPOINT ["/runledger-operator"]
