/**
 * The largest id of any stored object: ids are 32-bit integers on PostgreSQL, so a larger one in a
 * path, a query or a body is refused as bad input (naming the field) rather than failing in the database.
 */
export const maxId = 2_147_483_647;
