/*
 * gen_shop.c: the imaginary shop whose traffic the generator describes:
 * five services, the databases behind them and three request shapes.
 * Only data lives here; generator.c and gen_attrs.c bring it to life.
 */
#include "gen_int.h"

enum { FRONTEND, CHECKOUT, PAYMENT, INVENTORY, DB_PROXY };

const gen_service gen_services[TRACE_GEN_SERVICES] = {
    [FRONTEND] = {"frontend", "2.4.1", "nodejs", "1.30.1",
                  "@opentelemetry/instrumentation-http", "0.57.2", "10.42.0.11",
                  "node-fetch/2.7.0",
                  "Error: upstream failed\n    at checkout (/app/src/checkout.js:88:11)\n"
                  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
                  8080, false},
    [CHECKOUT] = {"checkout", "1.9.0", "go", "1.34.0",
                  "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "0.59.0",
                  "10.42.0.12", "Go-http-client/1.1",
                  "goroutine 41 [running]:\nmain.(*cartStore).load(...)\n\t/src/cart.go:57",
                  5050, false},
    [PAYMENT] = {"payment", "3.2.0", "python", "1.31.1", "opentelemetry.instrumentation.grpc",
                 "0.52b1", "10.42.1.7", "grpc-python/1.70.0",
                 "Traceback (most recent call last):\n  File \"/app/charge.py\", line 42, in "
                 "charge\n    raise PaymentDeclinedError(reason)",
                 50051, false},
    [INVENTORY] = {"inventory", "0.9.7", "java", "1.21.0", "io.opentelemetry.tomcat-10.0",
                   "1.21.0-alpha", "10.42.1.9", "Java-http-client/17.0.9",
                   "java.io.IOException: stream closed\n\tat shop.inventory.Stock.reserve"
                   "(Stock.java:118)",
                   8080, true},
    [DB_PROXY] = {"db-proxy", "1.1.3", "go", "1.34.0",
                  "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc",
                  "0.59.0", "10.42.2.4", "grpc-go/1.70.0",
                  "goroutine 112 [running]:\nmain.(*pool).query(...)\n\t/src/pool.go:203",
                  6432, false},
};

const char *const gen_product_ids[GEN_PRODUCTS] = {
    "OLJCESPC7Z", "66VCHSJNUP", "1YMWWN1N4O", "L9ECAV7KIM", "2ZYFJ3GM2N",
    "0PUK6V6EV0", "LS4PSXUNUM", "9SIQT8TOJO", "6E92ZMYYFZ", "HQTGWGPNH4",
};

/* Documentation addresses (RFC 5737): browsers in front of the shop. */
const char *const gen_client_addresses[8] = {
    "203.0.113.7", "203.0.113.41", "198.51.100.23", "198.51.100.200",
    "192.0.2.16", "192.0.2.77", "203.0.113.150", "198.51.100.9",
};

const char *const gen_user_ids[8] = {
    "u-1001", "u-1002", "u-2417", "u-3093", "u-4410", "u-5127", "u-6668", "u-7301",
};

const char *const gen_browser_agents[4] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
};

static const char *const FRONT_PRODUCT_PATHS[GEN_PRODUCTS] = {
    "/api/products/OLJCESPC7Z", "/api/products/66VCHSJNUP", "/api/products/1YMWWN1N4O",
    "/api/products/L9ECAV7KIM", "/api/products/2ZYFJ3GM2N", "/api/products/0PUK6V6EV0",
    "/api/products/LS4PSXUNUM", "/api/products/9SIQT8TOJO", "/api/products/6E92ZMYYFZ",
    "/api/products/HQTGWGPNH4",
};

static const char *const ITEM_URLS[GEN_PRODUCTS] = {
    "http://inventory:8080/items/OLJCESPC7Z", "http://inventory:8080/items/66VCHSJNUP",
    "http://inventory:8080/items/1YMWWN1N4O", "http://inventory:8080/items/L9ECAV7KIM",
    "http://inventory:8080/items/2ZYFJ3GM2N", "http://inventory:8080/items/0PUK6V6EV0",
    "http://inventory:8080/items/LS4PSXUNUM", "http://inventory:8080/items/9SIQT8TOJO",
    "http://inventory:8080/items/6E92ZMYYFZ", "http://inventory:8080/items/HQTGWGPNH4",
};

static const char *const ITEM_PATHS[GEN_PRODUCTS] = {
    "/items/OLJCESPC7Z", "/items/66VCHSJNUP", "/items/1YMWWN1N4O", "/items/L9ECAV7KIM",
    "/items/2ZYFJ3GM2N", "/items/0PUK6V6EV0", "/items/LS4PSXUNUM", "/items/9SIQT8TOJO",
    "/items/6E92ZMYYFZ", "/items/HQTGWGPNH4",
};

static const gen_db REDIS_CART = {
    "redis", "0", "HGETALL", NULL, "HGETALL cart:?", "redis-cart", "10.42.2.9", 6379,
};
static const gen_db PG_STOCK = {
    "postgresql", "shop", "UPDATE", "stock",
    "UPDATE stock SET reserved = reserved + $1 WHERE product_id = $2",
    "postgres.shop.svc", "10.42.3.2", 5432,
};
static const gen_db PG_PRODUCTS = {
    "postgresql", "shop", "SELECT", "products",
    "SELECT id, name, price_cents, currency FROM products WHERE id = $1",
    "postgres.shop.svc", "10.42.3.2", 5432,
};

/* Browse a product: frontend -> inventory (old conventions) -> db-proxy. */
static const gen_node PRODUCT_PAGE[] = {
    {-1, FRONTEND, ROLE_HTTP_SERVER, EXTRA_USER, 0, "GET /api/products/{id}", "GET",
     "/api/products/{id}", FRONT_PRODUCT_PATHS, NULL, NULL, NULL},
    {0, FRONTEND, ROLE_HTTP_CLIENT, EXTRA_NONE, INVENTORY, "GET", "GET", NULL, ITEM_URLS,
     NULL, NULL, NULL},
    {1, INVENTORY, ROLE_HTTP_SERVER, EXTRA_NONE, 0, "GET /items/{id}", "GET", "/items/{id}",
     ITEM_PATHS, NULL, NULL, NULL},
    {2, INVENTORY, ROLE_RPC_CLIENT, EXTRA_NONE, DB_PROXY, "shop.DbProxy/Query", "Query",
     "shop.DbProxy", NULL, NULL, NULL, NULL},
    {3, DB_PROXY, ROLE_RPC_SERVER, EXTRA_NONE, 0, "shop.DbProxy/Query", "Query",
     "shop.DbProxy", NULL, NULL, NULL, NULL},
    {4, DB_PROXY, ROLE_DB_CLIENT, EXTRA_NONE, 0, "SELECT products", NULL, NULL, NULL,
     &PG_PRODUCTS, "canceling statement due to statement timeout", "pgconn.PgError"},
    {0, FRONTEND, ROLE_INTERNAL, EXTRA_CACHE, 0, "render product", NULL, NULL, NULL, NULL,
     NULL, NULL},
};

/* Look at the cart: frontend -> checkout -> redis. */
static const gen_node CART_VIEW[] = {
    {-1, FRONTEND, ROLE_HTTP_SERVER, EXTRA_USER, 0, "GET /api/cart", "GET", "/api/cart", NULL,
     NULL, NULL, NULL},
    {0, FRONTEND, ROLE_HTTP_CLIENT, EXTRA_NONE, CHECKOUT, "GET", "GET",
     "http://checkout:5050/cart", NULL, NULL, NULL, NULL},
    {1, CHECKOUT, ROLE_HTTP_SERVER, EXTRA_CART, 0, "GET /cart", "GET", "/cart", NULL, NULL,
     NULL, NULL},
    {2, CHECKOUT, ROLE_DB_CLIENT, EXTRA_NONE, 0, "HGETALL", NULL, NULL, NULL, &REDIS_CART,
     "i/o timeout", "net.OpError"},
    {0, FRONTEND, ROLE_INTERNAL, EXTRA_CART, 0, "render cart", NULL, NULL, NULL, NULL, NULL,
     NULL},
};

/* Buy: frontend -> checkout -> {redis, payment, inventory -> db-proxy}. */
static const gen_node CHECKOUT_FLOW[] = {
    {-1, FRONTEND, ROLE_HTTP_SERVER, EXTRA_USER, 0, "POST /api/checkout", "POST",
     "/api/checkout", NULL, NULL, NULL, NULL},
    {0, FRONTEND, ROLE_HTTP_CLIENT, EXTRA_NONE, CHECKOUT, "POST", "POST",
     "http://checkout:5050/checkout", NULL, NULL, NULL, NULL},
    {1, CHECKOUT, ROLE_HTTP_SERVER, EXTRA_CART, 0, "POST /checkout", "POST", "/checkout", NULL,
     NULL, NULL, NULL},
    {2, CHECKOUT, ROLE_DB_CLIENT, EXTRA_NONE, 0, "HGETALL", NULL, NULL, NULL, &REDIS_CART, NULL,
     NULL},
    {2, CHECKOUT, ROLE_RPC_CLIENT, EXTRA_NONE, PAYMENT, "shop.PaymentService/Charge", "Charge",
     "shop.PaymentService", NULL, NULL, NULL, NULL},
    {4, PAYMENT, ROLE_RPC_SERVER, EXTRA_PAYMENT, 0, "shop.PaymentService/Charge", "Charge",
     "shop.PaymentService", NULL, NULL, "card declined: insufficient funds",
     "PaymentDeclinedError"},
    {5, PAYMENT, ROLE_INTERNAL, EXTRA_NONE, 0, "fraud-check", NULL, NULL, NULL, NULL, NULL,
     NULL},
    {2, CHECKOUT, ROLE_HTTP_CLIENT, EXTRA_NONE, INVENTORY, "POST", "POST",
     "http://inventory:8080/items/reserve", NULL, NULL, NULL, NULL},
    {7, INVENTORY, ROLE_HTTP_SERVER, EXTRA_NONE, 0, "POST /items/reserve", "POST",
     "/items/reserve", NULL, NULL, NULL, NULL},
    {8, INVENTORY, ROLE_RPC_CLIENT, EXTRA_NONE, DB_PROXY, "shop.DbProxy/Execute", "Execute",
     "shop.DbProxy", NULL, NULL, NULL, NULL},
    {9, DB_PROXY, ROLE_RPC_SERVER, EXTRA_NONE, 0, "shop.DbProxy/Execute", "Execute",
     "shop.DbProxy", NULL, NULL, NULL, NULL},
    {10, DB_PROXY, ROLE_DB_CLIENT, EXTRA_NONE, 0, "UPDATE stock", NULL, NULL, NULL, &PG_STOCK,
     NULL, NULL},
    {0, FRONTEND, ROLE_INTERNAL, EXTRA_CART, 0, "render receipt", NULL, NULL, NULL, NULL, NULL,
     NULL},
};

#define SHAPE(nodes, weight) {(nodes), (uint8_t)(sizeof(nodes) / sizeof((nodes)[0])), (weight)}

const gen_shape gen_shapes[] = {
    SHAPE(PRODUCT_PAGE, 6),
    SHAPE(CART_VIEW, 3),
    SHAPE(CHECKOUT_FLOW, 2),
};
const size_t gen_shape_count = sizeof(gen_shapes) / sizeof(gen_shapes[0]);
