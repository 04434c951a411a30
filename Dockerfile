# syntax=docker/dockerfile:1
# tocsin: a static, CGO-free binary (SQLite is pure Go) in a distroless image
# that runs as non-root. Build:  docker build -t tocsin .
# Run:    docker run --rm -p 8080:8080 -v tocsin-data:/data tocsin
# Config: docker run ... -v $PWD/tocsin.yaml:/etc/tocsin.yaml:ro tocsin run --config /etc/tocsin.yaml

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/tocsin-alerts/tocsin/cli.Version=${VERSION}" \
      -o /out/tocsin . \
 && mkdir -p /out/data

# distroless/static: CA certificates and tzdata, no shell, uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tocsin /tocsin
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
# The image has no curl: the binary probes its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/tocsin", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/tocsin"]
# Listen on all interfaces inside the container so -p 8080:8080 works; state
# lives in the /data volume. With no seeds/ directory in /data the seeds built
# into the binary are polled.
CMD ["run", "--http", "0.0.0.0:8080", "--db", "/data/tocsin.db"]
