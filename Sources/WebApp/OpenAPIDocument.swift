/// The REST API's OpenAPI 3.1 document, served at `/api/openapi.json`. The same text is docs/openapi.json
/// in the repository (a test keeps the two equal).
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "cchc-dispatch REST API",
            "version": "1.0.0",
            "description": "Read and write the queue of CCHC items and their deliveries. Every route under /api/ except this document needs `Authorization: Bearer <token>` (tokens from `cchc user token LOGIN --name …`), scoped to the token's account's units and roles (writes need the role the web page needs: soan-tin to create and submit, duyet to approve and reject, van-hanh to retry). Errors are JSON with a stable `code` and a Vietnamese `message`."
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
              },
              "post": {
                "operationId": "createItem",
                "summary": "Create an item (submitted for approval) or a draft",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewItem"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The item as stored",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                    "description": "The token's account lacks the role, or the unit is not one of its units",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "The item breaks a rule: a missing field, a unit outside the token's, a channel's limit",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
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
            },
            "/api/items/{id}/submit": {
              "post": {
                "operationId": "submitItem",
                "summary": "Submit a draft for approval (its writer only)",
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
                    "description": "The item now",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                    "description": "The token's account lacks the role",
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
                  },
                  "409": {
                    "description": "Not possible in the item's state (code `conflict`), or the content changed since it was read (code `stale`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "The draft breaks a channel's rule",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Empty"
                      }
                    }
                  }
                }
              }
            },
            "/api/items/{id}/approve": {
              "post": {
                "operationId": "approveItem",
                "summary": "Approve the content the caller read (its content_hash); never one's own item with four eyes",
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
                    "description": "The item now",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                    "description": "The token's account lacks the role",
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
                  },
                  "409": {
                    "description": "Not possible in the item's state (code `conflict`), or the content changed since it was read (code `stale`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Approval"
                      }
                    }
                  }
                }
              }
            },
            "/api/items/{id}/reject": {
              "post": {
                "operationId": "rejectItem",
                "summary": "Reject a submitted or approved item, with a reason",
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
                    "description": "The item now",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                    "description": "The token's account lacks the role",
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
                  },
                  "409": {
                    "description": "Not possible in the item's state (code `conflict`), or the content changed since it was read (code `stale`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Rejection"
                      }
                    }
                  }
                }
              }
            },
            "/api/items/{id}/retry": {
              "post": {
                "operationId": "retryItem",
                "summary": "Send the failed or expired deliveries again (or one channel's)",
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
                    "description": "The item now",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                    "description": "The token's account lacks the role",
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
                  },
                  "409": {
                    "description": "Not possible in the item's state (code `conflict`), or the content changed since it was read (code `stale`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Retry"
                      }
                    }
                  }
                }
              }
            },
            "/api/items/{id}/cancel": {
              "post": {
                "operationId": "cancelItem",
                "summary": "Cancel an item that is not final (its writer or an operator)",
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
                    "description": "The item now",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                    "description": "The token's account lacks the role",
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
                  },
                  "409": {
                    "description": "Not possible in the item's state (code `conflict`), or the content changed since it was read (code `stale`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Cancellation"
                      }
                    }
                  }
                }
              }
            },
            "/api/tokens/revoke": {
              "post": {
                "operationId": "revokeToken",
                "summary": "Revoke an API token, named by its secret",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TokenRevocation"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Whether the token existed (it no longer does)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "revoked"
                          ],
                          "additionalProperties": false,
                          "properties": {
                            "revoked": {
                              "type": "boolean"
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "A bad body: not a JSON object, an unknown key, a wrong type",
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
                  "413": {
                    "description": "A body over 1 MB (code `too-large`)",
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
                          "method-not-allowed",
                          "invalid-item",
                          "stale",
                          "own-item",
                          "too-large"
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
              },
              "NewItem": {
                "type": "object",
                "required": [
                  "title",
                  "unit"
                ],
                "additionalProperties": false,
                "properties": {
                  "title": {
                    "type": "string",
                    "description": "Required; with `body`, `channels` unless a draft"
                  },
                  "summary": {
                    "type": "string"
                  },
                  "body": {
                    "type": "string",
                    "description": "Markdown"
                  },
                  "unit": {
                    "type": "string",
                    "description": "One of the token's units"
                  },
                  "topic": {
                    "type": "string",
                    "description": "A topic key (tthc, the-che, …); default khac"
                  },
                  "priority": {
                    "type": "string",
                    "enum": [
                      "thuong",
                      "uu-tien",
                      "khan-cap"
                    ]
                  },
                  "channels": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "publish_at": {
                    "type": "string",
                    "description": "RFC 3339, or YYYY-MM-DDTHH:MM in the configured time zone"
                  },
                  "draft": {
                    "type": "boolean",
                    "description": "true: saved as a draft (only title and unit needed), submitted later"
                  }
                }
              },
              "Empty": {
                "type": "object",
                "additionalProperties": false,
                "properties": {}
              },
              "Approval": {
                "type": "object",
                "required": [
                  "content_hash"
                ],
                "additionalProperties": false,
                "properties": {
                  "content_hash": {
                    "type": "string"
                  }
                }
              },
              "Rejection": {
                "type": "object",
                "required": [
                  "reason"
                ],
                "additionalProperties": false,
                "properties": {
                  "reason": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              },
              "Retry": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "channel": {
                    "type": "string"
                  }
                }
              },
              "Cancellation": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "reason": {
                    "type": "string"
                  }
                }
              },
              "TokenRevocation": {
                "type": "object",
                "required": [
                  "token"
                ],
                "additionalProperties": false,
                "properties": {
                  "token": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              }
            }
          }
        }
        """#
}
