# altogic-emulator: a static binary in an empty image, run as a non-root user.
#   docker build -t altogic-emulator .
#   docker run --rm -p 127.0.0.1:8484:8484 altogic-emulator
# The builder image is a build argument, for machines that build from a
# mirror or a local Go image: --build-arg GO_IMAGE=my.registry/golang:1.26.
ARG GO_IMAGE=golang:1.26
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/altogic-emulator .

FROM scratch
COPY --from=build /out/altogic-emulator /altogic-emulator
USER 65532:65532
EXPOSE 8484
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
  CMD ["/altogic-emulator", "--check-health", "--addr", "127.0.0.1:8484"]
# Inside the container it listens on every interface, to be reachable through
# -p; links in emails then point at http://localhost:8484 unless
# ALTOGIC_EMULATOR_PUBLIC_URL (or --public-url) says otherwise. Further
# arguments are appended, e.g. --fixtures /fixtures/mine.yaml with a volume.
ENTRYPOINT ["/altogic-emulator", "--addr", "0.0.0.0:8484"]
