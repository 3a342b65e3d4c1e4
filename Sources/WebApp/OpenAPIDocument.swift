/// The REST API's OpenAPI 3.1 document, served at `/api/openapi.json`. The same text is docs/openapi.json
/// in the repository (a test keeps the two equal).
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "cchc-dispatch REST API",
            "version": "1.0.0",
            "description": "Read the queue of CCHC items and their deliveries. Every route under /api/ except this document needs `Authorization: Bearer <token>` (tokens from `cchc user token LOGIN --name …`), scoped to the token's account's units. Errors are JSON with a stable `code` and a Vietnamese `message`."
          },
          "servers": [
            {
              "url": "/"
            }
          ],
          "security": [
            {
              "bearer": []
            }
          ],
          "paths": {
            "/api/openapi.json": {
              "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.1 document",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/items": {
              "get": {
                "operationId": "listItems",
                "summary": "Items, newest first",
                "parameters": [
                  {
                    "name": "status",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "$ref": "#/components/schemas/ItemStatus"
                    }
                  },
                  {
                    "name": "unit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "channel",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 200,
                      "default": 50
                    }
                  },
                  {
                    "name": "offset",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 10000,
                      "default": 0
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of items",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ItemList"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad parameter",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No valid token",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "A unit the token may not see",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/items/{id}": {
              "get": {
                "operationId": "getItem",
                "summary": "One item with its deliveries",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The item",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No valid token",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "No such item in the token's units",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer"
              }
            },
            "schemas": {
              "ItemStatus": {
                "type": "string",
                "enum": [
                  "draft",
                  "submitted",
                  "approved",
                  "dispatching",
                  "done",
                  "partly-failed",
                  "failed",
                  "rejected",
                  "cancelled",
                  "expired"
                ]
              },
              "DeliveryState": {
                "type": "string",
                "enum": [
                  "pending",
                  "leased",
                  "retry-wait",
                  "delivered",
                  "failed",
                  "expired",
                  "cancelled",
                  "uncertain"
                ]
              },
              "Error": {
                "type": "object",
                "required": [
                  "error"
                ],
                "additionalProperties": false,
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message"
                    ],
                    "additionalProperties": false,
                    "properties": {
                      "code": {
                        "type": "string",
                        "enum": [
                          "unauthorized",
                          "forbidden",
                          "not-found",
                          "bad-request",
                          "conflict",
                          "internal",
                          "method-not-allowed"
                        ]
                      },
                      "message": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "Delivery": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "channel",
                  "state",
                  "due_at",
                  "attempts",
                  "url",
                  "error_class",
                  "error"
                ],
                "properties": {
                  "channel": {
                    "type": "string"
                  },
                  "state": {
                    "$ref": "#/components/schemas/DeliveryState"
                  },
                  "due_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "attempts": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "url": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "error_class": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "error": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "Item": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "id",
                  "title",
                  "summary",
                  "body",
                  "topic",
                  "unit",
                  "author",
                  "channels",
                  "priority",
                  "publish_at",
                  "status",
                  "content_hash",
                  "approved_by",
                  "approved_at",
                  "created_at",
                  "updated_at"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "summary": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "body": {
                    "type": "string"
                  },
                  "topic": {
                    "type": "string"
                  },
                  "unit": {
                    "type": "string"
                  },
                  "author": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "channels": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "priority": {
                    "type": "string",
                    "enum": [
                      "thuong",
                      "uu-tien",
                      "khan-cap"
                    ]
                  },
                  "publish_at": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "status": {
                    "$ref": "#/components/schemas/ItemStatus"
                  },
                  "content_hash": {
                    "type": "string"
                  },
                  "approved_by": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "approved_at": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "deliveries": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Delivery"
                    }
                  }
                }
              },
              "ItemList": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "items",
                  "next_offset"
                ],
                "properties": {
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Item"
                    }
                  },
                  "next_offset": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  }
                }
              }
            }
          }
        }
        """#
}
