async fn fetch(url: &str) -> usize {
    static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
        ::core::concat!(::core::module_path!(), "::", "fetch"),
    );
    static __TASKWARD_BULKHEAD_0: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
        8usize,
    );
    {
        let __taskward_permit = ::taskward::__private::acquire(
                &__TASKWARD_BULKHEAD_0,
                &__TASKWARD_META,
            )
            .await;
        async move {
            #[allow(
                unknown_lints,
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::let_with_type_underscore,
                clippy::needless_return,
                clippy::unreachable
            )]
            if false {
                let __taskward_never: usize = loop {};
                return __taskward_never;
            }
            { url.len() }
        }
            .await
    }
}
