/* schema.h - the migrations, applied in order by pv_db_open. */
#ifndef PV_SCHEMA_H
#define PV_SCHEMA_H
extern const char *const pv_migrations[];
extern const int pv_nmigrations;
#endif
